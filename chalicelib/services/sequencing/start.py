"""Starting sequences: `<stage>.<sequence>.triggered` -> checked, queued, then started in order.

One run per (project, stage, service) at a time; the others wait in trigger order (reference
3.4). A trigger delivered twice maps to the same run id and starts nothing the second time.
"""

from __future__ import annotations

import logging

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type, sequence_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.runs import Run, RunState, Scope, run_id_for
from chalicelib.domain.shipyard import Shipyard
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.observability import count
from chalicelib.services.sequencing.common import (
    SequencingDeps,
    machine_name,
    publish,
    shipyard_at,
    stable_id,
)
from chalicelib.services.sequencing.machines import deploy_state_machines

log = logging.getLogger("quartermaster.sequencing")


def on_sequence_triggered(event: KeptnEvent, deps: SequencingDeps) -> Run | None:
    """Handle a sequence trigger; the run it created, or None when nothing starts."""
    parsed = parse_event_type(event.type)
    if parsed.kind is not TypeKind.SEQUENCE or parsed.phase != Phase.TRIGGERED:
        return None  # a task .triggered (sent by us) or another shape: not a sequence trigger
    if not (event.project and event.service):
        log.warning("sequence trigger %s without project or service; dropped", event.id)
        return None
    scope = Scope(project=event.project, stage=parsed.stage, service=event.service)
    sequence_name = parsed.name
    refusal_prefix = f"Unable to start sequence {sequence_name}: "
    project = deps.config.get_project(scope.project)
    commit = event.gitcommitid or (project.head if project else None)
    try:
        if project is None:
            raise NotFound(f"project '{scope.project}' does not exist")
        shipyard = shipyard_at(deps.config, scope.project, commit)
    except (NotFound, InvalidInput) as error:
        refuse(event, scope, sequence_name, f"Unable to retrieve Shipyard file: {error}", deps)
        return None
    problem = _sequence_problem(shipyard, scope.stage, sequence_name)
    if problem:
        refuse(event, scope, sequence_name, refusal_prefix + problem, deps)
        return None
    run = Run(
        id=run_id_for(event.source, event.id),
        scope=scope,
        sequence=sequence_name,
        keptn_context=event.shkeptncontext,
        triggered_id=event.id,
        git_commit=commit or "",
        created=event.time,
        input=event.data,
        # A stage reached while its context is paused starts paused (reference 3.6).
        paused=deps.runs.context_paused(event.shkeptncontext, scope.stage),
        task_wait_seconds=project.task_wait_seconds,
    )
    if not deps.runs.create_run(run):
        return None  # the same trigger, delivered again
    deps.runs.enqueue(run)
    start_next(scope, deps, known=run)
    return run


def _sequence_problem(shipyard: Shipyard, stage_name: str, sequence_name: str) -> str | None:
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


def refuse(
    trigger: KeptnEvent, scope: Scope, sequence: str, message: str, deps: SequencingDeps
) -> None:
    """End a trigger that cannot run with `<stage>.<sequence>.finished` errored/fail."""
    publish(
        deps,
        event_id=stable_id(trigger.source, trigger.id, "refused"),
        event_type=sequence_event_type(scope.stage, sequence, Phase.FINISHED),
        context=trigger.shkeptncontext,
        triggeredid=trigger.id,
        data={
            "project": scope.project,
            "stage": scope.stage,
            "service": scope.service,
            "status": "errored",
            "result": "fail",
            "message": message,
        },
    )


def start_next(scope: Scope, deps: SequencingDeps, known: Run | None = None) -> Run | None:
    """Start the oldest waiting run of `scope` if none runs; the run started, if any.
    `known` is a run just created, which need not be read back."""
    run_id = deps.runs.claim_next(scope)
    if run_id is None:
        return None
    run = known if known is not None and known.id == run_id else deps.runs.get_run(run_id)
    if run is None or run.state is not RunState.TRIGGERED:
        deps.runs.release(scope, run_id)  # ended (aborted) while it waited: pass the turn on
        return start_next(scope, deps)
    name = machine_name(deps, scope, run.sequence)
    try:
        execution = deps.workflows.start(name, run.id, {"id": run.id})
    except NotFound:
        # The machines are created with the shipyard; create them now if that step was lost.
        deploy_state_machines(scope.project, shipyard_at(deps.config, scope.project, None), deps)
        execution = deps.workflows.start(name, run.id, {"id": run.id})
    deps.runs.mark_started(run.id, execution)
    count("SequencesStarted")
    return run
