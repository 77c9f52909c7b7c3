"""The events the control plane sends about runs and tasks, built from state and `now`.

Every id derives from what caused the event (`stable_id`), so a decision made again builds the
same event and a retried step re-sends nothing new.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalicelib.domain.effects import Publish
from chalicelib.domain.event_types import Phase, sequence_event_type, task_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.outcomes import Result, Status
from chalicelib.domain.runs import RUN_NAMESPACE, Run, TaskRecord
from chalicelib.domain.shipyard import Shipyard
from chalicelib.engine.chaining import follow_ups
from chalicelib.engine.payload import next_stage_data, task_trigger_data

# Keptn's controller signs its events so; tools that look at `source` keep working.
CONTROL_PLANE = "shipyard-controller"
APPROVAL = "approval"
DECISION_SOURCE = "quartermaster-approval"


def stable_id(*parts: str) -> str:
    """An event id derived from what caused it, so a retried step re-sends the same event."""
    return str(uuid.uuid5(RUN_NAMESPACE, "/".join(parts)))


def build_event(
    *,
    now: str,
    event_id: str,
    event_type: str,
    context: str,
    data: dict[str, Any],
    triggeredid: str | None = None,
    gitcommitid: str | None = None,
    source: str = CONTROL_PLANE,
) -> KeptnEvent:
    return KeptnEvent(
        id=event_id,
        source=source,
        type=event_type,
        time=now,
        shkeptncontext=context,
        triggeredid=triggeredid,
        gitcommitid=gitcommitid,
        data=data,
    )


def scope_data(run: Run) -> dict[str, Any]:
    """project/stage/service/labels of a run, the common part of every event about it."""
    data: dict[str, Any] = {
        "project": run.scope.project,
        "stage": run.scope.stage,
        "service": run.scope.service,
    }
    labels = run.input.get("labels")
    if isinstance(labels, dict) and labels:
        data["labels"] = labels
    return data


def _scope(run: Run) -> tuple[str, str, str]:
    return (run.scope.project, run.scope.stage, run.scope.service)


def task_event(run: Run, task: TaskRecord, now: str) -> Publish:
    """Sending `sh.keptn.event.<task>.triggered` with the payload Keptn would build."""
    properties: dict[str, Any] = json.loads(task.properties)
    data = task_trigger_data(run.input, _scope(run), run.completed, task.name, properties)
    event = build_event(
        now=now,
        event_id=task.triggered_id,
        event_type=task.event_type,
        context=run.keptn_context,
        gitcommitid=run.git_commit or None,
        data=data,
    )
    return Publish(event=event.to_wire())


def finished_event(run: Run, result: str, status: str, message: str, now: str) -> Publish:
    """The run's `<stage>.<sequence>.finished`."""
    data = {**scope_data(run), "result": result, "status": status}
    if message:
        data["message"] = message
    event = build_event(
        now=now,
        event_id=stable_id(run.id, "finished"),
        event_type=sequence_event_type(run.scope.stage, run.sequence, Phase.FINISHED),
        context=run.keptn_context,
        triggeredid=run.triggered_id,
        gitcommitid=run.git_commit or None,
        data=data,
    )
    return Publish(event=event.to_wire())


def chained_events(run: Run, result: str, shipyard: Shipyard, now: str) -> list[Publish]:
    """The `.triggered` of each sequence that follows the finished run (reference 1.4)."""
    last_task = run.completed[-1].name if run.completed else None
    completed = run.completed
    return [
        Publish(
            event=build_event(
                now=now,
                event_id=stable_id(run.id, "chain", follow_up.stage, follow_up.sequence),
                event_type=sequence_event_type(
                    follow_up.stage, follow_up.sequence, Phase.TRIGGERED
                ),
                context=run.keptn_context,
                # No gitcommitid: the next stage runs with the newest configuration, as in Keptn.
                data=next_stage_data(run.input, _scope(run), completed, follow_up.stage),
            ).to_wire()
        )
        for follow_up in follow_ups(shipyard, run.scope.stage, run.sequence, result, last_task)
    ]


def expiry_event(run: Run, task: TaskRecord, goes_on: bool, seconds: object, now: str) -> Publish:
    """An expired task's own `.finished` (its `timeout` property), saying why and what follows."""
    reason = (
        f"{task.name} expired: no answer within {seconds} s "
        f"(onTimeout: {'pass, the sequence goes on' if goes_on else 'fail, the sequence stops'})"
    )
    event = build_event(
        now=now,
        event_id=stable_id(task.triggered_id, "expired"),
        event_type=task_event_type(task.name, Phase.FINISHED),
        context=run.keptn_context,
        triggeredid=task.triggered_id,
        gitcommitid=run.git_commit or None,
        data={
            **scope_data(run),
            "result": Result.PASS if goes_on else Result.FAIL,
            "status": Status.SUCCEEDED if goes_on else Status.ERRORED,
            "message": reason,
        },
    )
    return Publish(event=event.to_wire())


def skip_event(run: Run, task: TaskRecord, message: str, now: str) -> Publish:
    """A skipped task's `.finished`, passed, with who skipped it and why."""
    event = build_event(
        now=now,
        event_id=stable_id(task.triggered_id, "skipped"),
        event_type=task_event_type(task.name, Phase.FINISHED),
        context=run.keptn_context,
        triggeredid=task.triggered_id,
        data={
            **scope_data(run),
            "result": Result.PASS,
            "status": Status.SUCCEEDED,
            "message": message,
        },
    )
    return Publish(event=event.to_wire())


def decision_event(run: Run, triggered_id: str, data: dict[str, Any], now: str) -> Publish:
    """A person's decision on an approval, as its `approval.finished`."""
    event = build_event(
        now=now,
        event_id=stable_id(triggered_id, "decision"),
        event_type=task_event_type(APPROVAL, Phase.FINISHED),
        context=run.keptn_context,
        data=data,
        triggeredid=triggered_id,
        gitcommitid=run.git_commit or None,
        source=DECISION_SOURCE,
    )
    return Publish(event=event.to_wire())
