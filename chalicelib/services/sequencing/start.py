"""Starting sequences: `<stage>.<sequence>.triggered` -> checked, queued, then started in order.

One run per (project, stage, service) at a time; the others wait in trigger order (reference
3.4). A trigger delivered twice maps to the same run id and starts nothing the second time.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type, sequence_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.messages import StartMessage
from chalicelib.domain.runs import FINAL_STATES, Run, RunState, Scope, run_id_for
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
from chalicelib.services.sequencing.machines import deploy_state_machines, machine_of

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
    machine = machine_of(scope.project, scope.stage, sequence_name, shipyard, deps)
    run = Run(
        id=run_id_for(event.source, event.id),
        scope=scope,
        sequence=sequence_name,
        keptn_context=event.shkeptncontext,
        triggered_id=event.id,
        git_commit=commit or "",
        created=event.time,
        machine=machine,
        input=event.data,
        # A stage reached while its context is paused starts paused (reference 3.6).
        paused=deps.pauses.context_paused(event.shkeptncontext, scope.stage),
        task_wait_seconds=project.task_wait_seconds,
    )
    created = deps.runs.create_run(run)
    if created and deps.start_settle_seconds:
        # Start after the settle time, from the queue: triggers arriving together start in
        # trigger order whichever arrived first.
        due = deps.clock() + timedelta(seconds=deps.start_settle_seconds)
        deps.timers.schedule(start_message(scope), due)
        return run
    # Also for a trigger delivered again: an attempt that crashed after queueing the run may
    # have left it queued with a free lock, or holding the lock without an execution.
    start_next(scope, deps, known=run if created else None)
    return run if created else None


def start_message(scope: Scope) -> dict[str, object]:
    """The control queue's message that starts the oldest queued run of `scope` if it can."""
    return StartMessage(scope=scope).wire()


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
    `known` is a run just created, which need not be read back.

    A lock held by a run that never got its execution (a crash between claiming and
    starting) is finished here: starting is idempotent (the execution is named after the run),
    so a second caller doing the same at once starts nothing twice."""
    while True:
        run_id = deps.queues.claim_next(scope)
        claimed = run_id is not None
        if run_id is None:
            run_id = deps.queues.lock_holder(scope)
            if run_id is None:
                return None
        run = known if claimed and known is not None and known.id == run_id else None
        run = run or deps.runs.get_run(run_id)
        if run is None or run.state in FINAL_STATES:
            deps.queues.release(scope, run_id)  # ended (aborted) while it waited: pass it on
            known = None
            continue
        if run.state is not RunState.TRIGGERED:
            return None  # the holder runs: the others wait for its end
        return _start(run, deps)


def _start(run: Run, deps: SequencingDeps) -> Run:
    name = run.machine or machine_name(deps, run.scope, run.sequence)
    try:
        execution = deps.workflows.start(name, run.id, {"id": run.id})
    except NotFound:
        # Machines are deployed before their commit is written; if that was lost (or the
        # machine deleted), deploy the run's own commit's machines now.
        shipyard = shipyard_at(deps.config, run.scope.project, run.git_commit or None)
        deploy_state_machines(run.scope.project, shipyard, deps)
        execution = deps.workflows.start(name, run.id, {"id": run.id})
    if deps.runs.mark_started(run.id, execution):
        count("SequencesStarted")
    return run
