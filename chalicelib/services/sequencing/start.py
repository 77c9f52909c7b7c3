"""Starting sequences: `<stage>.<sequence>.triggered` -> checked, queued, then started in order.

One run per (project, stage, service) at a time; the others wait in trigger order (reference
3.4). A trigger delivered twice maps to the same run id and starts nothing the second time.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.messages import StartMessage
from chalicelib.domain.runs import FINAL_STATES, Run, RunState, Scope
from chalicelib.engine import sequencer as triggers
from chalicelib.errors import DependencyFailure, InvalidInput, NotFound
from chalicelib.observability import count
from chalicelib.services.sequencing.common import SequencingDeps, machine_name, shipyard_at
from chalicelib.services.sequencing.effects import carry_out
from chalicelib.services.sequencing.machines import deploy_state_machines, machine_of

log = logging.getLogger("quartermaster-handlers.sequencing")
CREATE_ATTEMPTS = 3


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
    project = deps.config.get_project(scope.project)
    commit = event.gitcommitid or (project.head if project else None)
    try:
        if project is None:
            raise NotFound(f"project '{scope.project}' does not exist")
        shipyard = shipyard_at(deps.config, scope.project, commit)
    except (NotFound, InvalidInput) as error:
        message = f"Unable to retrieve Shipyard file: {error}"
        _refuse(triggers.refusal(event, scope, sequence_name, message, deps.now()), deps)
        return None
    problem = triggers.sequence_problem(shipyard, scope.stage, sequence_name)
    if problem:
        message = f"Unable to start sequence {sequence_name}: {problem}"
        _refuse(triggers.refusal(event, scope, sequence_name, message, deps.now()), deps)
        return None
    machine = machine_of(
        scope.project,
        scope.stage,
        sequence_name,
        shipyard,
        deps,
        project.task_wait_seconds or deps.task_wait_seconds,
    )
    for _ in range(CREATE_ATTEMPTS):
        # A stage reached while its context is paused starts paused (reference 3.6); the run
        # is written only while the flags are as read, so a pause or resume of the context at
        # this moment cannot miss it.
        paused_by = deps.pauses.pause_flag(event.shkeptncontext, scope.stage)
        paused = paused_by is not None
        run = triggers.new_run(event, scope, sequence_name, project, commit, machine, paused).run
        created = deps.runs.create_run(run, paused_by)
        if created or deps.runs.get_run(run.id) is not None:
            break
    else:
        raise DependencyFailure(f"context {event.shkeptncontext} kept being paused and resumed")
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


def _refuse(decision: triggers.Refuse, deps: SequencingDeps) -> None:
    # Nothing is written: a redelivered trigger is refused again, with the same event id.
    carry_out(decision.finished, deps)


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
        wait = run.task_wait_seconds or deps.task_wait_seconds
        deploy_state_machines(run.scope.project, shipyard, deps, wait)
        execution = deps.workflows.start(name, run.id, {"id": run.id})
    if deps.runs.mark_started(run.id, execution):
        count("SequencesStarted")
    return run
