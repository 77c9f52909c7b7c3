"""Decisions about a run's tasks: dispatching one, its answers, a user's skip and resume, a
person's decision on an approval (its expiry and answer deadline: deadlines.py).

The services load the state and hand it over with `now` (Keptn's time format); nothing here
reads a clock or a store.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.effects import (
    Effect,
    ResumeTask,
    ScheduleDeadline,
    StopExecution,
)
from chalicelib.domain.event_types import Phase, task_event_type
from chalicelib.domain.messages import DispatchMessage
from chalicelib.domain.outcomes import Result, Status
from chalicelib.domain.runs import (
    FINAL_STATES,
    CompletedTask,
    CurrentTask,
    Run,
    RunState,
    TaskRecord,
    task_triggered_id,
)
from chalicelib.engine.completion import complete_task, is_task_complete
from chalicelib.engine.sequencing.deadlines import answer_deadline
from chalicelib.engine.sequencing.decisions import (
    CloseTask,
    CreateTask,
    Decision,
    Nothing,
    RecordDecision,
    Release,
    SettleTask,
)
from chalicelib.engine.sequencing.events import (
    APPROVAL,
    decision_event,
    skip_event,
    task_event,
)

DECISIONS = {"approve": Result.PASS, "decline": Result.FAIL}


def with_completion(run: Run, task: TaskRecord | None) -> Run:
    """The run with `task` among its completed tasks, if the task completed and the run's
    record does not hold it yet (a close writes the task only; the run's record takes it
    over at its next write)."""
    if task is None or task.completion is None:
        return run
    if any(done.triggered_id == task.triggered_id for done in run.completed):
        return run
    return run.model_copy(update={"completed": [*run.completed, task.completion]})


def completed_tail(run: Run, task: TaskRecord | None) -> CompletedTask | None:
    """What `with_completion` adds to the run's record, if anything."""
    completed = with_completion(run, task).completed
    return completed[-1] if len(completed) > len(run.completed) else None


def dispatch(
    run: Run | None,
    previous: TaskRecord | None,
    message: DispatchMessage,
    now: str,
    default_wait: int,
) -> Decision:
    """A state machine dispatched a task: store it (its token private) and send its
    `.triggered`, or hold it while the run is paused. `previous` is the task before it, whose
    completion the run's record takes over in the same write."""
    if run is None or run.state in FINAL_STATES:
        # Aborted or timed out while the machine moved on: make sure it stops here.
        stop: tuple[Effect, ...] = ()
        if run is not None and run.execution_arn:
            stop = (StopExecution(execution_arn=run.execution_arn, cause="the run already ended"),)
        return Nothing(reason="the run does not exist or has ended", effects=stop)
    triggered_id = task_triggered_id(run.id, message.index)
    properties: dict[str, Any] = json.loads(message.properties or "{}")
    record = TaskRecord(
        triggered_id=triggered_id,
        run_id=run.id,
        index=message.index,
        name=message.task,
        token=message.task_token,
        event_type=task_event_type(message.task, Phase.TRIGGERED),
        dispatched=now,
        properties=json.dumps(properties),
    )
    # A paused run keeps the task: stored (token included), sent when the run is resumed.
    deadline = None if run.paused else answer_deadline(run, now, default_wait)
    effects: list[Effect] = []
    if deadline is not None:
        if message.answer_seconds is None:
            # A machine compiled before its Task states had a heartbeat: the deadline is a
            # delayed message, scheduled first, so a crash after the event went out sends
            # nothing else again.
            effects.append(ScheduleDeadline(triggered_id=triggered_id, due=deadline))
        effects.append(task_event(with_completion(run, previous), record, now))
    return CreateTask(
        task=record,
        project=run.scope.project,
        deadline=deadline,
        current=CurrentTask(index=message.index, name=message.task, triggered_id=triggered_id),
        state=RunState.WAITING_FOR_APPROVAL if message.task == APPROVAL else RunState.STARTED,
        paused=run.paused,
        completed_tail=completed_tail(run, previous),
        effects=effects,
    )


def resumptions(task: TaskRecord) -> tuple[ResumeTask, ...]:
    """A closed task with an outcome resumes every token its execution waited on it with
    (repeating one is harmless: Step Functions refuses a used token)."""
    if task.open or task.outcome is None:
        return ()
    return tuple(ResumeTask(token=token, output=task.outcome) for token in task.tokens)


def settled(task: TaskRecord, reason: str) -> SettleTask:
    """A task decided before: what its outbox still holds, then its resumptions."""
    return SettleTask(
        triggered_id=task.triggered_id,
        outbox=task.outbox,
        reason=reason,
        effects=resumptions(task),
    )


def _close(task: TaskRecord, completed: CompletedTask, effects: tuple[Effect, ...]) -> CloseTask:
    outcome = {"result": completed.result, "status": completed.status}
    return CloseTask(
        triggered_id=task.triggered_id,
        run_id=task.run_id,
        started=task.started,
        finished=task.finished,
        later_tokens=len(task.later_tokens),
        completed=completed,
        outcome=outcome,
        dispatched=task.dispatched,
        resumes=tuple(ResumeTask(token=token, output=outcome) for token in task.tokens),
        effects=effects,
    )


def completion(task: TaskRecord) -> Decision:
    """After an answer was counted: close a complete task with its merged result and resume
    the execution waiting for it."""
    if not is_task_complete(task.started, task.finished):
        return Nothing(reason="the task waits for more answers")
    return _close(task, complete_task(task.name, task.triggered_id, task.finished_data), ())


def finished_alone(name: str, triggered_id: str, data: dict[str, Any]) -> CompletedTask:
    """The completion of a task whose only `.finished` is this one (at most one `.started`
    before it): what the store writes when counting that answer closes the task at once."""
    return complete_task(name, triggered_id, [data])


def recount(task: TaskRecord | None, key: str) -> Decision:
    """An answer the store did not count (counted before, or not ours): only an answer
    counted before may have left work undone."""
    if task is None or key not in task.seen:
        return Nothing(reason="not an answer to a task of ours")
    if not task.open:
        return settled(task, "the task closed before")
    return completion(task)


def skip(run: Run, task: TaskRecord | None, who: str, reason: str, now: str) -> Decision:
    """Complete the run's waiting task (not an approval) as passed, recorded as its
    `.finished` with who skipped it and why."""
    if run.current is None or run.current.name == APPROVAL or task is None:
        return Nothing(reason="no task is waiting (approvals are decided, not skipped)")
    if not task.open:
        return settled(task, "a retried skip")
    message = f"skipped by {who or 'a user'}" + (f": {reason}" if reason else "")
    completed = CompletedTask(
        name=task.name,
        triggered_id=task.triggered_id,
        result=Result.PASS,
        status=Status.SUCCEEDED,
        data={"message": message},
    )
    return _close(task, completed, (skip_event(run, task, message, now),))


def resume(run: Run, task: TaskRecord | None, now: str, default_wait: int) -> Decision:
    """A resumed run's held task is sent now, with an answer deadline from now. A task not
    held may still have effects of an earlier resume that failed before sending."""
    if task is None:
        return Nothing(reason="the run has no current task")
    if not task.held:
        return settled(task, "the task is not held")
    due = answer_deadline(run, now, default_wait)
    # The deadline first: a crash after the event went out then sends nothing else again.
    effects: tuple[Effect, ...] = (
        ScheduleDeadline(triggered_id=task.triggered_id, due=due),
        task_event(run, task, now),
    )
    return Release(triggered_id=task.triggered_id, deadline=due, effects=effects)


def approval_decision(
    run: Run, triggered_id: str, choice: str, comment: str, identity: str, now: str
) -> RecordDecision:
    """A person's decision on an open approval (`choice` one of DECISIONS), sent as its
    `approval.finished`: who decided, when and the comment."""
    decision = {"decision": choice, "decidedBy": identity, "decidedAt": now, "comment": comment}
    data = {
        "project": run.scope.project,
        "stage": run.scope.stage,
        "service": run.scope.service,
        "status": Status.SUCCEEDED,
        "result": DECISIONS[choice],
        "message": comment or f"{choice}d by {identity}",
        APPROVAL: decision,
    }
    return RecordDecision(
        triggered_id=triggered_id,
        decision=decision,
        effects=(decision_event(run, triggered_id, data, now),),
    )
