"""Sequence control (reference 3.6): pause, resume and abort the runs of a keptn context.

Pause holds each run's next task (a task already sent keeps running and its answers count);
new stages reached meanwhile start paused. Resume sends the held tasks. Abort ends every run of
the context with `.finished` `result: pass`, `status: aborted` (Keptn's values), frees their
service's queue so the next run starts, and ignores late answers. No chaining after an abort.
"""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.event_types import Phase, task_event_type
from chalicelib.domain.runs import FINAL_STATES, CompletedTask, Run, RunState
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.services.sequencing.common import SequencingDeps, publish, scope_data, stable_id
from chalicelib.services.sequencing.dispatch import APPROVAL, answer_deadline, send_task_event
from chalicelib.services.sequencing.ending import end_run


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
        for run in deps.runs.runs_of_context(context)
        if run.scope.project == project and (stage is None or run.scope.stage == stage)
    ]
    if not runs:
        where = f" in stage '{stage}'" if stage else ""
        raise NotFound(f"keptn context '{context}' has no sequence in project '{project}'{where}")
    active = [run for run in runs if run.state not in FINAL_STATES]
    if not active:
        return f"nothing to {command}: every sequence of context {context} has ended"
    if command is Control.PAUSE:
        deps.runs.set_context_pause(context, stage, True)
        paused = sum(deps.runs.set_paused(run.id, True) for run in active)
        return f"paused {paused} sequence(s); running tasks finish, the next ones wait"
    if command is Control.RESUME:
        deps.runs.set_context_pause(context, stage, False)
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
    if run.current is None or run.current.name == APPROVAL:
        return None
    task = deps.runs.get_task(run.current.triggered_id)
    if task is None or not task.open:
        return None
    message = f"skipped by {who or 'a user'}" + (f": {reason}" if reason else "")
    completed = CompletedTask(
        name=task.name,
        triggered_id=task.triggered_id,
        result="pass",
        status="succeeded",
        data={"message": message},
    )
    if not deps.runs.close_task(
        task.triggered_id, task.started, task.finished, completed=(run.id, completed)
    ):
        return None  # answered at this very moment
    publish(
        deps,
        event_id=stable_id(task.triggered_id, "skipped"),
        event_type=task_event_type(task.name, Phase.FINISHED),
        context=run.keptn_context,
        triggeredid=task.triggered_id,
        data={**scope_data(run), "result": "pass", "status": "succeeded", "message": message},
    )
    deps.workflows.complete_task(task.token, {"result": "pass", "status": "succeeded"})
    return task.name


def _resume(run: Run, deps: SequencingDeps) -> bool:
    if not deps.runs.set_paused(run.id, False):
        return False
    if run.current is not None:
        held = deps.runs.release_task(run.current.triggered_id, answer_deadline(deps, run))
        if held is not None:
            send_task_event(run, held, deps)
    return True


def _abort(run: Run, deps: SequencingDeps) -> bool:
    if not end_run(run, RunState.ABORTED, "pass", "aborted", "sequence aborted by a user", deps):
        return False
    if run.current is not None:
        deps.runs.abandon_task(run.current.triggered_id)  # late answers change nothing
    if run.execution_arn:
        deps.workflows.stop(run.execution_arn, "aborted by a user")
    return True
