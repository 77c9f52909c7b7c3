"""What the sequencer decided: one state change to write (with the effects that follow from it,
written in the same conditional write as the item's outbox), or nothing to write.

A service writes a decision with one port call, then carries its effects out. When the write
finds it was done before (a redelivery, a crash after the write, a concurrent handler), the
service carries out what the stored outbox still holds (`SettleRun`/`SettleTask` say so when
the engine already sees that from the state it was given).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.effects import Effect
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
    """The task's decision was made before: carry out what its stored outbox holds."""

    triggered_id: str
    outbox: dict[str, str]
    reason: str


class EndRun(_Decision):
    """The run ends in `state` with `result`/`status` (only if it has not ended yet)."""

    run_id: str
    state: RunState
    result: str
    status: str


class CreateTask(_Decision):
    """Store a dispatched task and make it the run's current one (only once per task)."""

    task: TaskRecord
    project: str
    deadline: str | None  # None: held (its run is paused), no deadline until released
    current: CurrentTask
    state: RunState


class CloseTask(_Decision):
    """Close an open task with its outcome, unless another answer changed its counts."""

    triggered_id: str
    run_id: str
    started: int
    finished: int
    completed: CompletedTask
    dispatched: str  # when the task was sent (for its duration)


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
)
