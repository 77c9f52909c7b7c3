"""Dispatching a task: store the state machine's token privately, then send `<task>.triggered`.

The token is written to the runs table before the event leaves, so an answer can never arrive
for a task the control plane does not know. It never appears on the bus, in events or in logs.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from chalicelib.domain.effects import Effect, Publish, ScheduleDeadline, outbox_entries
from chalicelib.domain.event_types import Phase, task_event_type
from chalicelib.domain.events import format_time
from chalicelib.domain.runs import (
    FINAL_STATES,
    CurrentTask,
    Run,
    RunState,
    TaskRecord,
    task_triggered_id,
)
from chalicelib.engine.payload import CompletedTask, task_trigger_data
from chalicelib.services.sequencing.common import SequencingDeps, build_event
from chalicelib.services.sequencing.effects import settle_task

log = logging.getLogger("quartermaster.sequencing")
APPROVAL = "approval"


def on_dispatch(message: dict[str, Any], deps: SequencingDeps) -> str | None:
    """Handle one dispatch message from a state machine; the task's `.triggered` id."""
    run = deps.runs.get_run(str(message["run"]["id"]))
    token = str(message["taskToken"])
    if run is None or run.state in FINAL_STATES:
        # Aborted or timed out while the machine moved on: make sure it stops here.
        if run is not None and run.execution_arn:
            deps.workflows.stop(run.execution_arn, "the run already ended")
        return None
    index, name = int(message["index"]), str(message["task"])
    triggered_id = task_triggered_id(run.id, index)
    properties = _properties(message)
    dispatched = deps.clock()
    record = TaskRecord(
        triggered_id=triggered_id,
        run_id=run.id,
        index=index,
        name=name,
        token=token,
        event_type=task_event_type(name, Phase.TRIGGERED),
        dispatched=format_time(dispatched),
        properties=json.dumps(properties),
    )
    # A paused run keeps the task: stored (token included), sent when the run is resumed.
    deadline = None if run.paused else answer_deadline(deps, run)
    state = RunState.WAITING_FOR_APPROVAL if name == APPROVAL else RunState.STARTED
    current = CurrentTask(index=index, name=name, triggered_id=triggered_id)
    effects: list[Effect] = []
    if deadline is not None:
        # The deadline first: a crash after the event went out then sends nothing else again.
        effects = [
            ScheduleDeadline(triggered_id=triggered_id, due=deadline),
            task_event(run, record, deps),
        ]
    stamp = deps.now()
    if deps.tasks.create_task(
        record, run.scope.project, deadline, (current, state), effects, stamp
    ):
        settle_task(triggered_id, outbox_entries(effects, stamp), deps)
        return triggered_id
    # Stored before (a redelivery, or this message's earlier attempt): send what it left unsent.
    existing = deps.tasks.get_task(triggered_id)
    if existing is not None:
        settle_task(triggered_id, existing.outbox, deps)
    return triggered_id


def answer_deadline(deps: SequencingDeps, run: Run) -> str:
    """When a task sent now must have been answered (Keptn's TASK_STARTED_WAIT_DURATION),
    per project or else the deployment's default."""
    seconds = run.task_wait_seconds or deps.task_wait_seconds
    return format_time(deps.clock() + timedelta(seconds=seconds))


def task_event(run: Run, task: TaskRecord, deps: SequencingDeps) -> Publish:
    """Sending `sh.keptn.event.<task>.triggered` with the payload Keptn would build."""
    event = build_event(
        deps,
        event_id=task.triggered_id,
        event_type=task.event_type,
        context=run.keptn_context,
        gitcommitid=run.git_commit or None,
        data=_task_data(run, task.name, json.loads(task.properties)),
    )
    return Publish(event=event.to_wire())


def _properties(message: dict[str, Any]) -> dict[str, Any]:
    """The task's shipyard properties, which the state machine carries as JSON text."""
    carried: dict[str, Any] = json.loads(message.get("properties") or "{}")
    return carried


def _task_data(run: Run, name: str, properties: dict[str, Any]) -> dict[str, Any]:
    completed = [
        CompletedTask(name=task.name, result=task.result, status=task.status, data=task.data)
        for task in run.completed
    ]
    scope = (run.scope.project, run.scope.stage, run.scope.service)
    return task_trigger_data(run.input, scope, completed, name, properties)
