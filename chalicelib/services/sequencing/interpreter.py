"""Writing a sequencer decision (chalicelib/engine/sequencer.py) and carrying out its effects.

One port call writes the decision's state change together with its effects (the item's
outbox); the effects are then carried out. When the write finds it was done before (a
redelivery, a crash after the write, another handler at the same moment), whatever the stored
outbox still holds is carried out instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.effects import outbox_entries
from chalicelib.domain.runs import TaskRecord
from chalicelib.engine.sequencer import (
    CloseTask,
    CreateTask,
    Decision,
    EndRun,
    ExpireTask,
    Nothing,
    RecordDecision,
    SettleRun,
    SettleTask,
)
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.effects import carry_out, settle_run, settle_task


@dataclass(frozen=True)
class Applied:
    """Whether this call wrote the decision; on a refused task write, the task as stored."""

    written: bool
    stored: TaskRecord | None = None


def apply(
    decision: Decision, deps: SequencingDeps, on_written: Callable[[], None] | None = None
) -> Applied:
    """Write `decision`, then carry out its effects (`on_written` runs between the two)."""
    if isinstance(decision, Nothing):
        for effect in decision.effects:
            carry_out(effect, deps)
        return Applied(False)
    if isinstance(decision, SettleRun):
        settle_run(decision.run_id, decision.outbox, deps)
        return Applied(False)
    if isinstance(decision, SettleTask):
        settle_task(decision.triggered_id, decision.outbox, deps)
        return Applied(False)
    effects, stamp = list(decision.effects), deps.now()
    if isinstance(decision, EndRun):
        if not deps.runs.end_run(
            decision.run_id, decision.state, decision.result, decision.status, effects, stamp
        ):
            ended = deps.runs.get_run(decision.run_id)
            if ended is not None:
                settle_run(ended.id, ended.outbox, deps)
            return Applied(False)
        if on_written is not None:
            on_written()
        settle_run(decision.run_id, outbox_entries(effects, stamp), deps)
        return Applied(True)
    if isinstance(decision, CreateTask):
        triggered_id = decision.task.triggered_id
        written = deps.tasks.create_task(
            decision.task,
            decision.project,
            decision.deadline,
            (decision.current, decision.state),
            effects,
            stamp,
        )
    elif isinstance(decision, CloseTask):
        triggered_id = decision.triggered_id
        completed = (decision.run_id, decision.completed)
        written = deps.tasks.close_task(
            triggered_id, decision.started, decision.finished, completed, effects, stamp
        )
    elif isinstance(decision, ExpireTask):
        triggered_id = decision.triggered_id
        written = deps.tasks.abandon_task(triggered_id, effects, stamp)
    elif isinstance(decision, RecordDecision):
        triggered_id = decision.triggered_id
        written = deps.tasks.record_decision(triggered_id, decision.decision, effects, stamp)
    else:
        triggered_id = decision.triggered_id
        released = deps.tasks.release_task(triggered_id, decision.deadline, effects, stamp)
        if released is None:
            return Applied(False)  # not held (any more): released by an earlier resume
        written = True
    if written:
        if on_written is not None:
            on_written()
        settle_task(triggered_id, outbox_entries(effects, stamp), deps)
        return Applied(True)
    stored = deps.tasks.get_task(triggered_id)
    if stored is not None and not (isinstance(decision, CloseTask) and stored.open):
        # A close refused while the task is still open: another answer changed its counts,
        # and that answer's handler closes it.
        settle_task(triggered_id, stored.outbox, deps)
    return Applied(False, stored)
