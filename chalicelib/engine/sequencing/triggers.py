"""Deciding on a sequence trigger: refused with Keptn's message (reference 3.8), or a new run.

The service reads what the decision needs (the project, the shipyard at the trigger's commit,
whether its context is paused, the machine of that commit's sequence) and writes the run, or
sends the refusal.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.effects import Publish
from chalicelib.domain.event_types import Phase, sequence_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.outcomes import Result, Status
from chalicelib.domain.projects import ProjectRecord
from chalicelib.domain.runs import Run, Scope, run_id_for
from chalicelib.domain.shipyard import Shipyard
from chalicelib.engine.sequencing.events import build_event, stable_id


class Refuse(BaseModel):
    """The trigger cannot run: its `<stage>.<sequence>.finished`, errored, says why."""

    model_config = ConfigDict(frozen=True)

    finished: Publish


class CreateRun(BaseModel):
    """A new run, to be written with its place in its scope's queue."""

    model_config = ConfigDict(frozen=True)

    run: Run


def sequence_problem(shipyard: Shipyard, stage_name: str, sequence_name: str) -> str | None:
    """Keptn's messages for a trigger that cannot run (reference 3.8)."""
    stage = shipyard.find_stage(stage_name)
    if stage is None:
        return f"no stage with name {stage_name}"
    sequence = stage.find_sequence(sequence_name)
    if sequence is None:
        return f"no task sequence with name {sequence_name} found in stage {stage_name}"
    if not sequence.tasks:
        return f"task sequence {sequence_name} does not contain any tasks"
    return None


def refusal(trigger: KeptnEvent, scope: Scope, sequence: str, message: str, now: str) -> Refuse:
    """End a trigger that cannot run with `<stage>.<sequence>.finished` errored/fail."""
    event = build_event(
        now=now,
        event_id=stable_id(trigger.source, trigger.id, "refused"),
        event_type=sequence_event_type(scope.stage, sequence, Phase.FINISHED),
        context=trigger.shkeptncontext,
        triggeredid=trigger.id,
        data={
            "project": scope.project,
            "stage": scope.stage,
            "service": scope.service,
            "status": Status.ERRORED.value,
            "result": Result.FAIL.value,
            "message": message,
        },
    )
    return Refuse(finished=Publish(event=event.to_wire()))


def new_run(
    trigger: KeptnEvent,
    scope: Scope,
    sequence: str,
    project: ProjectRecord,
    commit: str | None,
    machine: str,
    paused: bool,
) -> CreateRun:
    """The run of an accepted trigger: named after the trigger (a second delivery maps to it),
    pinned to `commit` and its `machine`, starting paused when its context is."""
    return CreateRun(
        run=Run(
            id=run_id_for(trigger.source, trigger.id),
            scope=scope,
            sequence=sequence,
            keptn_context=trigger.shkeptncontext,
            triggered_id=trigger.id,
            git_commit=commit or "",
            created=trigger.time,
            machine=machine,
            input=trigger.data,
            paused=paused,
            task_wait_seconds=project.task_wait_seconds,
        )
    )
