"""Decisions about a run's tasks: dispatching one, its answers, its expiry and answer deadline,
a user's skip and resume, a person's decision on an approval.

The services load the state and hand it over with `now` (Keptn's time format); nothing here
reads a clock or a store.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalicelib.domain.effects import (
    AbandonTask,
    Effect,
    ResumeTask,
    ScheduleDeadline,
    StopExecution,
)
from chalicelib.domain.event_types import Phase, task_event_type
from chalicelib.domain.events import format_time, parse_time
from chalicelib.domain.messages import DeadlineMessage, DispatchMessage, TimeoutMessage
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
from chalicelib.engine.sequencing.decisions import (
    CloseTask,
    CreateTask,
    Decision,
    ExpireTask,
    Nothing,
    RecordDecision,
    Release,
    SettleTask,
)
from chalicelib.engine.sequencing.events import (
    APPROVAL,
    decision_event,
    expiry_event,
    skip_event,
    task_event,
)

DECISIONS = {"approve": Result.PASS, "decline": Result.FAIL}


def answer_deadline(run: Run, now: str, default_wait: int) -> str:
    """When a task sent now must have been answered (Keptn's TASK_STARTED_WAIT_DURATION),
    per project or else the deployment's default (`default_wait` seconds)."""
    seconds = run.task_wait_seconds or default_wait
    return format_time(parse_time(now) + timedelta(seconds=seconds))


def dispatch(run: Run | None, message: DispatchMessage, now: str, default_wait: int) -> Decision:
    """A state machine dispatched a task: store it (its token private) and send its
    `.triggered`, or hold it while the run is paused."""
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
        # The deadline first: a crash after the event went out then sends nothing else again.
        effects = [
            ScheduleDeadline(triggered_id=triggered_id, due=deadline),
            task_event(run, record, now),
        ]
    return CreateTask(
        task=record,
        project=run.scope.project,
        deadline=deadline,
        current=CurrentTask(index=message.index, name=message.task, triggered_id=triggered_id),
        state=RunState.WAITING_FOR_APPROVAL if message.task == APPROVAL else RunState.STARTED,
        effects=effects,
    )


def completion(task: TaskRecord) -> Decision:
    """After an answer was counted: close a complete task with its merged result and resume
    the execution waiting for it."""
    if not is_task_complete(task.started, task.finished):
        return Nothing(reason="the task waits for more answers")
    completed = complete_task(task.name, task.triggered_id, task.finished_data)
    resume = ResumeTask(
        token=task.token, output={"result": completed.result, "status": completed.status}
    )
    return CloseTask(
        triggered_id=task.triggered_id,
        run_id=task.run_id,
        started=task.started,
        finished=task.finished,
        completed=completed,
        dispatched=task.dispatched,
        effects=(resume,),
    )


def recount(task: TaskRecord | None, key: str) -> Decision:
    """An answer the store did not count (counted before, or not ours): only an answer
    counted before may have left work undone."""
    if task is None or key not in task.seen:
        return Nothing(reason="not an answer to a task of ours")
    if not task.open:
        return SettleTask(
            triggered_id=task.triggered_id, outbox=task.outbox, reason="the task closed before"
        )
    return completion(task)


def expiry(run: Run, task: TaskRecord | None, message: TimeoutMessage, now: str) -> Decision:
    """A task's `timeout` property expired: it ends with its own `.finished`, saying why and
    what follows (the machine itself goes on or ends as `onTimeout` says)."""
    if task is None:
        return Nothing(reason="the run has no current task")
    if not task.open:
        return SettleTask(
            triggered_id=task.triggered_id, outbox=task.outbox, reason="the task closed before"
        )
    goes_on = message.on_timeout == "pass"
    event = expiry_event(run, task, goes_on, message.timeout_seconds, now)
    return ExpireTask(triggered_id=task.triggered_id, effects=(event,))


def deadline_reached(
    task: TaskRecord | None, message: DeadlineMessage, now: str
) -> Decision | None:
    """A task's answer deadline message came: None when the task times its run out (then
    `deadline_expired` with its run), else what to do instead."""
    if task is None or not task.open or task.held or task.started or task.finished:
        # Answered, closed or held (a resumed task gets a deadline of its own).
        return Nothing(reason="the task was answered, closed or held")
    if parse_time(message.due) > parse_time(now):
        # Longer than one delay of the queue: wait for the rest of it.
        again = ScheduleDeadline(triggered_id=message.triggered_id, due=message.due)
        return Nothing(reason="the deadline is still ahead", effects=(again,))
    return None


def orphan(task: TaskRecord) -> Decision:
    """A timed-out task whose run is gone: close it."""
    return Nothing(
        reason="the task's run does not exist",
        effects=(AbandonTask(triggered_id=task.triggered_id),),
    )


def skip(run: Run, task: TaskRecord | None, who: str, reason: str, now: str) -> Decision:
    """Complete the run's waiting task (not an approval) as passed, recorded as its
    `.finished` with who skipped it and why."""
    if run.current is None or run.current.name == APPROVAL or task is None:
        return Nothing(reason="no task is waiting (approvals are decided, not skipped)")
    if not task.open:
        return SettleTask(
            triggered_id=task.triggered_id, outbox=task.outbox, reason="a retried skip"
        )
    message = f"skipped by {who or 'a user'}" + (f": {reason}" if reason else "")
    completed = CompletedTask(
        name=task.name,
        triggered_id=task.triggered_id,
        result=Result.PASS,
        status=Status.SUCCEEDED,
        data={"message": message},
    )
    effects: tuple[Effect, ...] = (
        skip_event(run, task, message, now),
        ResumeTask(token=task.token, output={"result": "pass", "status": "succeeded"}),
    )
    return CloseTask(
        triggered_id=task.triggered_id,
        run_id=run.id,
        started=task.started,
        finished=task.finished,
        completed=completed,
        dispatched=task.dispatched,
        effects=effects,
    )


def resume(run: Run, task: TaskRecord | None, now: str, default_wait: int) -> Decision:
    """A resumed run's held task is sent now, with an answer deadline from now. A task not
    held may still have effects of an earlier resume that failed before sending."""
    if task is None:
        return Nothing(reason="the run has no current task")
    if not task.held:
        return SettleTask(
            triggered_id=task.triggered_id, outbox=task.outbox, reason="the task is not held"
        )
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
