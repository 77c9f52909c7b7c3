"""Sequencing state: runs, each scope's queue and lock, pause flags, tasks with their tokens,
timers and the state machines."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.domain.effects import Effect
    from chalicelib.domain.runs import CompletedTask, CurrentTask, Run, RunState, Scope, TaskRecord


class RunStore(Protocol):
    """Sequence executions ("runs"), with each decision's effects kept in the run's outbox
    (chalicelib/domain/effects.py) until they are carried out."""

    def create_run(self, run: Run, paused_by: str | None = None) -> bool:
        """Store the run and queue it in its scope, in one write, while its context's pause
        flags are as read (`paused_by`: the flag that pauses a paused run, None when the
        caller pauses it; an unpaused one needs none to be set). False when a run with this id
        exists (a duplicate trigger, or this trigger's own earlier attempt), or the flags
        changed since they were read."""
        ...

    def get_run(self, run_id: str) -> Run | None: ...

    def get_run_with_task(
        self, run_id: str, triggered_id: str | None
    ) -> tuple[Run | None, TaskRecord | None]:
        """The run and one task (None: the run alone), in one consistent read."""
        ...

    def runs_of_context(self, keptn_context: str, consistent: bool = False) -> list[Run]:
        """The context's runs, oldest trigger first. `consistent`: every run written before
        the call, as it is now (for control requests); otherwise through an index that may
        lag a moment behind."""
        ...

    def runs_of_project(self, project: str, limit: int) -> list[Run]:
        """Newest first."""
        ...

    def end_run(
        self,
        run_id: str,
        state: RunState,
        result: str,
        status: str,
        effects: list[Effect],
        stamp: str,
        completed_tail: CompletedTask | None = None,
        unanswered: str | None = None,
    ) -> bool:
        """Move the run to a final state with the effects that follow (and `completed_tail`
        added to its completed tasks); False when it had ended already (final states never
        change) or, with `unanswered`, when that task is answered, closed or held."""
        ...

    def mark_started(self, run_id: str, execution_arn: str) -> bool:
        """Record the execution and move a queued run to `started`; False if it ended."""
        ...

    def set_paused(self, run_id: str, paused: bool) -> bool:
        """Pause or resume a run; False when it ended or already was so."""
        ...

    def clear_run_effects(self, run_id: str, names: list[str]) -> None:
        """Remove carried-out entries from the run's outbox."""
        ...


class ScopeQueues(Protocol):
    """One run at a time per (project, stage, service): a lock and a queue in trigger order."""

    def lock_holder(self, scope: Scope) -> str | None: ...

    def claim_next(self, scope: Scope) -> str | None:
        """Take the lock of `scope` for its oldest queued run and return that run's id;
        None when the lock is held or nothing waits. Raises DependencyFailure when the write
        was cancelled for any other reason than its condition (try again)."""
        ...

    def release(self, scope: Scope, run_id: str) -> None:
        """Free the lock if `run_id` holds it, else remove the run from the queue if it waits."""
        ...


class PauseFlags(Protocol):
    """Contexts paused by a user: runs of theirs that start meanwhile start paused."""

    def set_context_pause(self, keptn_context: str, stage: str | None, paused: bool) -> None:
        """Remember that runs of this context (in `stage`, or all stages) start paused."""
        ...

    def context_paused(self, keptn_context: str, stage: str) -> bool: ...

    def pause_flag(self, keptn_context: str, stage: str) -> str | None:
        """The flag that pauses runs of this context in `stage` (`stage` itself, or `*` for
        every stage), or None."""
        ...


class TaskStore(Protocol):
    """Dispatched tasks: the private token, answers counted once, and each task decision's
    effects in the task's outbox."""

    def create_task(
        self,
        task: TaskRecord,
        project: str,
        answer_deadline: str | None,
        current: tuple[CurrentTask, RunState],
        effects: list[Effect],
        stamp: str,
        paused: bool = False,
        completed_tail: CompletedTask | None = None,
    ) -> bool:
        """Store the task, make it its run's current task (`completed_tail` joining the run's
        completed tasks) and keep `effects`, in one write. False when it exists (a redelivered
        dispatch), its run ended, or the run's pause flag is no longer `paused`. A held task
        (no `answer_deadline`) has no answer deadline until it is released."""
        ...

    def get_task(self, triggered_id: str) -> TaskRecord | None: ...

    def count_answer(
        self,
        triggered_id: str,
        task_name: str,
        phase: str,
        event_key: str,
        data: dict[str, object],
    ) -> TaskRecord | None:
        """Count one `.started` or `.finished` of the open task `task_name`, once per event;
        the task after the update, or None when the task is unknown, closed, has another name
        or the event was counted before."""
        ...

    def finish_alone(
        self,
        triggered_id: str,
        task_name: str,
        event_key: str,
        data: dict[str, object],
        completion: CompletedTask,
        outcome: dict[str, str],
    ) -> tuple[bool, TaskRecord | None]:
        """Count a `.finished` and close the task with `completion` and `outcome` in one
        write, if the task is open, named `task_name`, has no `.finished` yet and at most one
        `.started`, and the event was not counted before: (True, the task closed). Otherwise
        nothing is written: (False, the task as it is, or None when unknown)."""
        ...

    def add_token(self, triggered_id: str, token: str) -> bool:
        """Keep another token the execution waits on the open task with; False when the task
        is closed (or unknown): resume that token with the task's outcome instead."""
        ...

    def close_task(
        self,
        triggered_id: str,
        started: int,
        finished: int,
        completion: CompletedTask | None = None,
        outcome: dict[str, str] | None = None,
        later_tokens: int = 0,
        effects: list[Effect] | None = None,
        stamp: str = "",
    ) -> bool:
        """Close the task with `completion` (kept on the task until its run's next write takes
        it over) and the `outcome` its tokens are resumed with, if its counts and its number
        of later tokens are still these; True for exactly one caller."""
        ...

    def abandon_task(
        self, triggered_id: str, effects: list[Effect] | None = None, stamp: str = ""
    ) -> bool:
        """Close the task whatever its counts (timed out, aborted); True if it was open."""
        ...

    def record_decision(
        self, triggered_id: str, decision: dict[str, str], effects: list[Effect], stamp: str
    ) -> bool:
        """Write a human decision on an open task that has none yet; True for exactly one
        caller. The task itself completes when the decision's `.finished` is counted."""
        ...

    def release_task(
        self, triggered_id: str, answer_deadline: str, effects: list[Effect], stamp: str
    ) -> TaskRecord | None:
        """Un-hold a held task (it is `released`: sent late) and start its answer deadline;
        None if it was not held."""
        ...

    def clear_task_effects(self, triggered_id: str, names: list[str]) -> None: ...

    def open_tasks(self, project: str, event_type: str) -> list[TaskRecord]: ...


class SequencingStore(RunStore, ScopeQueues, PauseFlags, TaskStore, Protocol):
    """All four on one table (the DynamoDB adapter implements them together)."""


class Timers(Protocol):
    """Messages to the control plane itself, delivered later (a task's answer deadline)."""

    def schedule(self, message: dict[str, object], due: datetime) -> None:
        """Deliver `message` to the finisher at `due`, or earlier: the queue delays a message
        15 minutes at most, so the finisher schedules it again until `due` has come."""
        ...


class Workflows(Protocol):
    """Sequence state machines and their executions (Step Functions in AWS)."""

    def ensure_state_machine(self, name: str, definition: dict[str, object]) -> None:
        """Create the state machine, or update it when it exists."""
        ...

    def start(self, machine: str, execution_name: str, run: dict[str, object]) -> str:
        """Start `machine` with input `{"run": run}`; return the execution ARN. Starting the
        same execution name twice starts it once."""
        ...

    def complete_task(self, token: str, output: dict[str, object]) -> bool:
        """Resume the execution waiting on `token`; False when it no longer waits."""
        ...

    def stop(self, execution_arn: str, cause: str) -> None: ...

    def queue_url(self, name: str) -> str:
        """URL of a control-plane queue, for state machine definitions."""
        ...
