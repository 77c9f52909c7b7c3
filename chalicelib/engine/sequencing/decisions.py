"""What the sequencer decided: one state change to write (with the effects that follow from it,
written in the same conditional write as the item's outbox), or nothing to write.

A service writes a decision with one port call, then carries its effects out. When the write
finds it was done before (a redelivery, a crash after the write, a concurrent handler), the
service carries out what the stored outbox still holds (`SettleRun`/`SettleTask` say so when
the engine already sees that from the state it was given). A closed task's resumption is not an
outbox entry: its state says it (closed, with an outcome), and Step Functions refuses a token
used before, so whoever finds the task closed resumes its tokens again without harm.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.effects import Effect, ResumeTask
from chalicelib.domain.runs import CompletedTask, CurrentTask, RunState, TaskRecord


class _Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    effects: tuple[Effect, ...] = ()


class Nothing(_Decision):
    """No state to write. `effects` (idempotent, for something outside the state: a stray
    execution to stop, a deadline to look at again) are carried out directly."""

    reason: str


class SettleRun(_Decision):
    """The run's decision was made before: carry out what its stored outbox holds."""

    run_id: str
    outbox: dict[str, str]
    reason: str


class SettleTask(_Decision):
    """The task's decision was made before: carry out what its stored outbox holds, then
    `effects` (a closed task's resumptions, which follow from its state, not its outbox)."""

    triggered_id: str
    outbox: dict[str, str]
    reason: str


class EndRun(_Decision):
    """The run ends in `state` with `result`/`status` (only if it has not ended yet, and, with
    `unanswered`, only if that task still has no answer: a deadline's end)."""

    run_id: str
    state: RunState
    result: str
    status: str
    # The run's last task as it completed, when the run's record does not hold it yet.
    completed_tail: CompletedTask | None = None
    unanswered: str | None = None


class CreateTask(_Decision):
    """Store a dispatched task and make it the run's current one (only once per task, and only
    while the run's pause flag is still `paused`, as it was read)."""

    task: TaskRecord
    project: str
    deadline: str | None  # None: held (its run is paused), no deadline until released
    current: CurrentTask
    state: RunState
    paused: bool = False
    # The task before, as it completed, for the run's record (which takes it over here).
    completed_tail: CompletedTask | None = None


class CloseTask(_Decision):
    """Close an open task with its outcome, unless another answer changed its counts or the
    execution came to wait on it with another token meanwhile; then resume each token."""

    triggered_id: str
    run_id: str
    started: int
    finished: int
    later_tokens: int  # how many tokens the task had besides its first, as read
    completed: CompletedTask
    outcome: dict[str, str]
    dispatched: str  # when the task was sent (for its duration)
    resumes: tuple[ResumeTask, ...] = ()


class KeepWaiting(_Decision):
    """The execution waits on the open task with one more token (its answer deadline passed
    after an answer came, or its dispatch state was entered again): keep it, so the task's
    close resumes it too."""

    triggered_id: str
    token: str


class ExpireTask(_Decision):
    """Close a task whatever its counts (its own `timeout` expired)."""

    triggered_id: str


class RecordDecision(_Decision):
    """A person's decision on an open approval that has none yet."""

    triggered_id: str
    decision: dict[str, str]


class Release(_Decision):
    """Un-hold a held task (its run was resumed) and start its answer deadline."""

    triggered_id: str
    deadline: str


Decision = (
    Nothing
    | SettleRun
    | SettleTask
    | EndRun
    | CreateTask
    | CloseTask
    | ExpireTask
    | RecordDecision
    | Release
    | KeepWaiting
)
