"""Decisions about time: a task's answer deadline (Keptn's TASK_STARTED_WAIT_DURATION) and its
own `timeout` property.

The answer deadline is the Task state's heartbeat: a task with no result by then makes its
execution wait on a new token and tell the control plane (a `late` message), which times the
run out if the task got no answer at all, or keeps the new token and lets the execution wait
on. A task sent after its dispatch (held while its run was paused) and tasks of machines
compiled before the heartbeat have a delayed `deadline` message instead. A task's `timeout`
is its Task state's own limit (a `timeout` message; the machine goes on as `onTimeout` says).
"""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain.effects import (
    AbandonTask,
    Effect,
    ResumeTask,
    ScheduleDeadline,
    StopExecution,
)
from chalicelib.domain.events import format_time, parse_time
from chalicelib.domain.messages import DeadlineMessage, LateMessage, TimeoutMessage
from chalicelib.domain.runs import FINAL_STATES, Run, TaskRecord
from chalicelib.engine.sequencing.decisions import (
    Decision,
    ExpireTask,
    KeepWaiting,
    Nothing,
    SettleTask,
)
from chalicelib.engine.sequencing.events import expiry_event


def answer_deadline(run: Run, now: str, default_wait: int) -> str:
    """When a task sent now must have been answered (Keptn's TASK_STARTED_WAIT_DURATION),
    per project or else the deployment's default (`default_wait` seconds)."""
    seconds = run.task_wait_seconds or default_wait
    return format_time(parse_time(now) + timedelta(seconds=seconds))


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
    `end_run` with its run), else what to do instead."""
    if task is None or not task.open or task.held or task.answered:
        # Answered, closed or held (a resumed task gets a deadline of its own).
        return Nothing(reason="the task was answered, closed or held")
    if parse_time(message.due) > parse_time(now):
        # Longer than one delay of the queue: wait for the rest of it.
        again = ScheduleDeadline(triggered_id=message.triggered_id, due=message.due)
        return Nothing(reason="the deadline is still ahead", effects=(again,))
    return None


def late(run: Run | None, task: TaskRecord | None, message: LateMessage) -> Decision | None:
    """A task's answer deadline passed in its state machine, which now waits on the message's
    token: None when the task got no answer (the run times out: `end_run` with
    `no_answer_end`), else how the execution goes on."""
    if run is None or run.state in FINAL_STATES:
        stop: tuple[Effect, ...] = ()
        if run is not None and run.execution_arn:
            stop = (StopExecution(execution_arn=run.execution_arn, cause="the run already ended"),)
        return Nothing(reason="the run does not exist or has ended", effects=stop)
    if task is None:
        return None  # never stored, so never sent: nobody could answer it
    if not task.open:
        if task.outcome is None:
            return Nothing(reason="the task expired or was abandoned; its run goes its way")
        # Closed while the heartbeat ran out: its resumption met the old token, refused.
        resume = ResumeTask(token=message.task_token, output=task.outcome)
        return Nothing(reason="the task closed meanwhile", effects=(resume,))
    if task.answered or task.held or task.released:
        # Answered in time (Keptn: no deadline after `.started`), or sent late with a
        # deadline of its own: the execution waits on, and the task's close resumes this too.
        return KeepWaiting(triggered_id=task.triggered_id, token=message.task_token)
    return None


def orphan(task: TaskRecord) -> Decision:
    """A timed-out task whose run is gone: close it."""
    return Nothing(
        reason="the task's run does not exist",
        effects=(AbandonTask(triggered_id=task.triggered_id),),
    )
