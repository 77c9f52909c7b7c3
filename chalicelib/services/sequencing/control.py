"""Sequence control (reference 3.6): pause, resume and abort the runs of a keptn context.

Pause holds each run's next task (a task already sent keeps running and its answers count);
new stages reached meanwhile start paused. Resume sends the held tasks. Abort ends every run of
the context with `.finished` `result: pass`, `status: aborted` (Keptn's values), frees their
service's queue so the next run starts, and ignores late answers. No chaining after an abort.

A skip, resume or abort first schedules a delayed `settle` message for the item it decides on:
should the call fail after its write, the message carries out what the decision left, without
waiting for the caller to retry.
"""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.runs import FINAL_STATES, Run, RunState
from chalicelib.engine import sequencer
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.services.sequencing.common import SequencingDeps, settle_later
from chalicelib.services.sequencing.effects import settle_run
from chalicelib.services.sequencing.ending import end_run
from chalicelib.services.sequencing.interpreter import apply


class Control(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    ABORT = "abort"
    SKIP = "skip"  # beyond Keptn: complete the waiting task (not an approval) as passed


def parse_control(value: object) -> Control:
    try:
        return Control(str(value))
    except ValueError as error:
        raise InvalidInput(
            f"state '{value}' is not a sequence control; use pause, resume, abort or skip"
        ) from error


def control_context(
    project: str,
    context: str,
    command: Control,
    stage: str | None,
    deps: SequencingDeps,
    who: str = "",
    reason: str = "",
) -> str:
    """Apply `command` to the context's runs (in `stage`, or all); a message saying what it did."""
    runs = [
        run
        # Every run of the context written so far, as it is now: a task dispatched a moment
        # ago is the one acted on, and a run triggered a moment ago is not missed.
        for run in deps.runs.runs_of_context(context, consistent=True)
        if run.scope.project == project and (stage is None or run.scope.stage == stage)
    ]
    if not runs:
        where = f" in stage '{stage}'" if stage else ""
        raise NotFound(f"keptn context '{context}' has no sequence in project '{project}'{where}")
    for run in runs:
        if run.state in FINAL_STATES and run.outbox:
            # An earlier command's end that failed after its write (the user retries after a
            # 503): carry out what it left, or its scope stays locked and its .finished unsent.
            settle_run(run.id, run.outbox, deps)
    active = [run for run in runs if run.state not in FINAL_STATES]
    if not active:
        return f"nothing to {command}: every sequence of context {context} has ended"
    if command is Control.PAUSE:
        deps.pauses.set_context_pause(context, stage, True)
        paused = sum(deps.runs.set_paused(run.id, True) for run in active)
        return f"paused {paused} sequence(s); running tasks finish, the next ones wait"
    if command is Control.RESUME:
        deps.pauses.set_context_pause(context, stage, False)
        resumed = sum(_resume(run, deps) for run in active)
        return f"resumed {resumed} sequence(s)" if resumed else "nothing to resume: not paused"
    if command is Control.SKIP:
        skipped = [name for run in active if (name := _skip(run, who, reason, deps))]
        if not skipped:
            return "nothing to skip: no task is waiting (approvals are decided, not skipped)"
        return f"skipped {', '.join(skipped)}"
    aborted = sum(_abort(run, deps) for run in active)
    return f"aborted {aborted} sequence(s)"


def _skip(run: Run, who: str, reason: str, deps: SequencingDeps) -> str | None:
    """Complete the run's waiting task as passed, recorded as its `.finished` with the reason."""
    if run.current is None or run.current.name == sequencer.APPROVAL:
        return None
    task = deps.tasks.get_task(run.current.triggered_id)
    decision = sequencer.skip(run, task, who, reason, deps.now())
    if isinstance(decision, sequencer.CloseTask):
        settle_later(deps, triggered_id=decision.triggered_id)
    # Not written: answered at this very moment, or a retried skip (its effects are finished).
    if not apply(decision, deps).written or not isinstance(decision, sequencer.CloseTask):
        return None
    return decision.completed.name


def _resume(run: Run, deps: SequencingDeps) -> bool:
    resumed = deps.runs.set_paused(run.id, False)
    # Read again now that it is resumed: a dispatch that wrote its task held before this
    # shows it as current; one that writes after finds the run resumed and sends the task.
    now = deps.runs.get_run(run.id) or run
    # Also when the run was resumed before: that attempt may have failed before sending.
    if now.current is None:
        return resumed
    task = deps.tasks.get_task(now.current.triggered_id)
    decision = sequencer.resume(now, task, deps.now(), deps.task_wait_seconds)
    if isinstance(decision, sequencer.Release):
        settle_later(deps, triggered_id=decision.triggered_id)
    apply(decision, deps)
    return True if isinstance(decision, sequencer.Release) else resumed


def _abort(run: Run, deps: SequencingDeps, end: sequencer.RunEnd | None = None) -> bool:
    settle_later(deps, run_id=run.id)
    # Late answers change nothing: the run's end closes its open task (chalicelib/domain/effects).
    return end_run(run, end or sequencer.abort_end(), deps)


# How many of a project's newest runs a deletion looks through for active ones: runs end
# within their answer deadlines, so an active run is among the newest.
PROJECT_RUNS_LIMIT = 5000


def abort_project_runs(project: str, deps: SequencingDeps) -> int:
    """End every active run of `project`, which is being deleted, as a user's abort would
    (`.finished` with the reason, its execution stopped, its scope freed), and finish what
    earlier ends left undone; how many runs it ended. Queued runs go first, so freeing a
    scope does not start a run that is about to be aborted."""
    runs = deps.runs.runs_of_project(project, PROJECT_RUNS_LIMIT)
    for run in runs:
        if run.state in FINAL_STATES and run.outbox:
            settle_run(run.id, run.outbox, deps)  # an attempt that failed after its write
    active = sorted(
        (run for run in runs if run.state not in FINAL_STATES),
        key=lambda run: run.state is not RunState.TRIGGERED,
    )
    end = sequencer.abort_end(
        message=f"sequence aborted: project '{project}' was deleted",
        stop=f"project '{project}' was deleted",
    )
    aborted = 0
    for listed in active:
        # Read again: a queued run may have been started by the end of the one before.
        run = deps.runs.get_run(listed.id) or listed
        aborted += _abort(run, deps, end)
    return aborted
