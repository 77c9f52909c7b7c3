"""Writing a sequencer decision (chalicelib/engine/sequencer.py) and carrying out its effects.

One port call writes the decision's state change together with its effects (the item's
outbox); the effects are then carried out, and a closed task's tokens resumed. When the write
finds it was done before (a redelivery, a crash after the write, another handler at the same
moment), whatever the stored outbox still holds is carried out instead, and a closed task's
tokens are resumed again (Step Functions refuses a used token: no harm).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.effects import Effect, ResumeTask, outbox_entries
from chalicelib.domain.runs import FINAL_STATES, TaskRecord
from chalicelib.engine.sequencer import (
    CloseTask,
    CreateTask,
    Decision,
    EndRun,
    ExpireTask,
    KeepWaiting,
    Nothing,
    RecordDecision,
    SettleRun,
    SettleTask,
    resumptions,
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
        settle_task(decision.triggered_id, decision.outbox, deps, decision.effects)
        return Applied(False)
    if isinstance(decision, KeepWaiting):
        return _keep_waiting(decision, deps)
    effects, stamp = list(decision.effects), deps.now()
    if isinstance(decision, EndRun):
        return _end_run(decision, effects, stamp, deps, on_written)
    after: tuple[ResumeTask, ...] = ()
    if isinstance(decision, CreateTask):
        triggered_id = decision.task.triggered_id
        written = deps.tasks.create_task(
            decision.task,
            decision.project,
            decision.deadline,
            (decision.current, decision.state),
            effects,
            stamp,
            paused=decision.paused,
            completed_tail=decision.completed_tail,
        )
    elif isinstance(decision, CloseTask):
        triggered_id, after = decision.triggered_id, decision.resumes
        written = deps.tasks.close_task(
            triggered_id,
            decision.started,
            decision.finished,
            completion=decision.completed,
            outcome=decision.outcome,
            later_tokens=decision.later_tokens,
            effects=effects,
            stamp=stamp,
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
        settle_task(triggered_id, outbox_entries(effects, stamp), deps, after)
        return Applied(True)
    stored = deps.tasks.get_task(triggered_id)
    if stored is not None and not (isinstance(decision, CloseTask) and stored.open):
        # A close refused while the task is still open: its counts or tokens changed since
        # the read, and the caller decides again with the task as it is now.
        settle_task(triggered_id, stored.outbox, deps, resumptions(stored))
    return Applied(False, stored)


def _end_run(
    decision: EndRun,
    effects: list[Effect],
    stamp: str,
    deps: SequencingDeps,
    on_written: Callable[[], None] | None,
) -> Applied:
    if not deps.runs.end_run(
        decision.run_id,
        decision.state,
        decision.result,
        decision.status,
        effects,
        stamp,
        completed_tail=decision.completed_tail,
        unanswered=decision.unanswered,
    ):
        ended = deps.runs.get_run(decision.run_id)
        if ended is not None and ended.state in FINAL_STATES:
            settle_run(ended.id, ended.outbox, deps)
        return Applied(False)  # ended before, or (a deadline's end) its task was answered
    if on_written is not None:
        on_written()
    settle_run(decision.run_id, outbox_entries(effects, stamp), deps)
    return Applied(True)


def _keep_waiting(decision: KeepWaiting, deps: SequencingDeps) -> Applied:
    """Keep the execution's new token on the open task; a task closed meanwhile resumes it
    with its outcome instead."""
    if deps.tasks.add_token(decision.triggered_id, decision.token):
        return Applied(True)
    stored = deps.tasks.get_task(decision.triggered_id)
    if stored is not None and stored.outcome is not None:
        carry_out(ResumeTask(token=decision.token, output=stored.outcome), deps)
    return Applied(False, stored)
