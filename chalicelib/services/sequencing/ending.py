"""Ending runs: `<stage>.<sequence>.finished`, the next queued run, chaining, and timeouts.

A run ends when its state machine reports the last result (normally, or after a task's own
`timeout`), or when a task got no answer by its deadline (reference 3.5): the Task state's
heartbeat, after which the machine asks the control plane (a `late` message) whether to go on
waiting; a task sent late has a delayed message of its own. Nothing runs while nothing waits.
What each input decides is the sequencer's (chalicelib/engine/sequencer.py); this loads the
state, writes the decision and carries out its effects.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.event_types import Phase, task_event_type
from chalicelib.domain.messages import (
    DeadlineMessage,
    FinishedMessage,
    LateMessage,
    SettleMessage,
    StartMessage,
    TimeoutMessage,
    parse_control_message,
)
from chalicelib.domain.runs import FINAL_STATES, Run, RunState, TaskRecord, task_triggered_id
from chalicelib.engine import sequencer
from chalicelib.errors import DependencyFailure
from chalicelib.observability import count
from chalicelib.services.sequencing.common import SequencingDeps, shipyard_at
from chalicelib.services.sequencing.interpreter import apply
from chalicelib.services.sequencing.start import start_next

log = logging.getLogger("quartermaster-handlers.sequencing")


def on_control(message: dict[str, Any], deps: SequencingDeps) -> None:
    """A message from a state machine: `finished` (the run's end), `timeout` (a task's
    `timeout` property expired; the machine goes on or ends as `onTimeout` says) or `late` (a
    task's answer deadline passed); or from the control plane itself: a task's delayed answer
    deadline, a settled start, what an API call's decision left to do."""
    parsed = parse_control_message(message)
    if isinstance(parsed, DeadlineMessage):
        on_deadline(parsed, deps)
        return
    if isinstance(parsed, StartMessage):
        start_next(parsed.scope, deps)
        return
    if isinstance(parsed, SettleMessage):
        settle_decision(parsed, deps)
        return
    if isinstance(parsed, LateMessage):
        on_late(parsed, deps)
        return
    run = deps.runs.get_run(parsed.run.id)
    if run is None:
        return
    if isinstance(parsed, TimeoutMessage):
        _expire_current_task(run, parsed, deps)
        return
    _finish(run, parsed, deps)


def _finish(run: Run, message: FinishedMessage, deps: SequencingDeps) -> None:
    if run.state in FINAL_STATES:
        apply(sequencer.SettleRun(run_id=run.id, outbox=run.outbox, reason="ended"), deps)
        return  # a redelivery: finish what its end left undone
    # The last task's completion may still be on the task only (the run takes it over now).
    last = deps.tasks.get_task(run.current.triggered_id) if run.current else None
    end = sequencer.finish_outcome(run, message, last)
    if isinstance(end, sequencer.SettleRun):
        apply(end, deps)
        return
    end_run(run, end, deps, last=last)


def on_late(message: LateMessage, deps: SequencingDeps) -> bool:
    """A task's answer deadline passed in its state machine (which now waits on the message's
    token): a task with no answer times its run out; True when it did. Otherwise the
    execution waits on with the new token, or is resumed at once when the task closed."""
    triggered_id = task_triggered_id(message.run.id, message.index)
    for _ in range(3):
        run, task = deps.runs.get_run_with_task(message.run.id, triggered_id)
        decision = sequencer.late(run, task, message)
        if decision is not None:
            apply(decision, deps)
            return False
        assert run is not None  # late() decides itself when there is no run
        end = sequencer.no_answer_end(task_event_type(message.task, Phase.TRIGGERED))
        # Only while the task still has no answer: one counted since the read keeps it going.
        if end_run(run, end, deps, unanswered=triggered_id if task else None):
            count("SequencesTimedOut")
            return True
        # Refused: the run ended, or the task was answered, since the read: decide again.
    raise DependencyFailure(f"task {triggered_id} kept changing at its answer deadline")


def on_deadline(message: DeadlineMessage | dict[str, Any], deps: SequencingDeps) -> bool:
    """A task's answer deadline came as a delayed message (a task sent late, or a machine
    compiled before the heartbeat): a task still open with no `.started` or `.finished` ends
    its run timed out; True when it did."""
    if not isinstance(message, DeadlineMessage):
        message = DeadlineMessage.model_validate(message)
    task = deps.tasks.get_task(message.triggered_id)
    waiting = sequencer.deadline_reached(task, message, deps.now())
    if waiting is not None or task is None:
        if waiting is not None:
            apply(waiting, deps)
        return False
    run = deps.runs.get_run(task.run_id)
    if run is None or run.state in FINAL_STATES:
        # No run, or one that ended while this task was being stored (an abort racing the
        # dispatch): close the task so that late answers change nothing.
        apply(sequencer.orphan(task), deps)
        if run is not None:
            end_run(run, sequencer.no_answer_end(task.event_type), deps)  # settles its end
        return False
    end = sequencer.no_answer_end(task.event_type)
    # Only while the task still has no answer: one counted since the read stops the timeout.
    if not end_run(run, end, deps, unanswered=task.triggered_id):
        return False
    # A metric costs by the hour it is written; the alarm reads no data as fine.
    count("SequencesTimedOut")
    return True


def settle_decision(message: SettleMessage, deps: SequencingDeps) -> None:
    """What a decision made through the API (skip, resume, abort, an approval's decision)
    left in its item's outbox, carried out after the call, whatever became of it."""
    if message.triggered_id:
        task = deps.tasks.get_task(message.triggered_id)
        if task is not None:
            apply(sequencer.settled(task, "settled after the API call"), deps)
    elif message.run_id:
        run = deps.runs.get_run(message.run_id)
        if run is not None and run.state in FINAL_STATES:
            apply(sequencer.SettleRun(run_id=run.id, outbox=run.outbox, reason="settled"), deps)


def end_run(
    run: Run,
    end: sequencer.RunEnd,
    deps: SequencingDeps,
    last: TaskRecord | None = None,
    unanswered: str | None = None,
) -> bool:
    """Write the run's end with what follows from it (sequencer.end_run), then carry that out.
    False when the run had ended already (aborted meanwhile, or a redelivery): whatever that
    end left undone is done now; or, with `unanswered`, when that task got an answer."""
    # `run` was read after its last task completed (the finish message comes after that).
    shipyard = (
        shipyard_at(deps.config, run.scope.project, run.git_commit or None)
        if end.chains and run.state not in FINAL_STATES
        else None
    )
    decision = sequencer.end_run(run, end, deps.now(), shipyard, last=last, unanswered=unanswered)

    def counted() -> None:
        # Aborted runs end with result "pass" (Keptn's value): count them by their state.
        result = end.result if end.state is RunState.FINISHED else str(end.state)
        count("SequencesFinished", result=result)

    return apply(decision, deps, on_written=counted).written


def _expire_current_task(run: Run, message: TimeoutMessage, deps: SequencingDeps) -> None:
    """An expired task (its `timeout` property) ends with its own `.finished`, saying why and
    what follows, written with the task's close. The task is the one the message names: with
    `onTimeout: pass` the machine has already sent the next task, which may be current by now."""
    if message.index is not None:
        triggered_id = task_triggered_id(run.id, message.index)
    elif run.current is not None:
        triggered_id = run.current.triggered_id
    else:
        return
    task = deps.tasks.get_task(triggered_id)
    apply(sequencer.expiry(run, task, message, deps.now()), deps)
