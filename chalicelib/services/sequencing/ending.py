"""Ending runs: `<stage>.<sequence>.finished`, the next queued run, chaining, and timeouts.

A run ends when its state machine reports the last result (normally, or after a task's own
`timeout`), or when a task got no answer by its deadline (reference 3.5): each dispatched task
schedules a message to the control queue for its deadline, so nothing runs while nothing waits.
What each input decides is the sequencer's (chalicelib/engine/sequencer.py); this loads the
state, writes the decision and carries out its effects.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.messages import (
    DeadlineMessage,
    FinishedMessage,
    StartMessage,
    TimeoutMessage,
    parse_control_message,
)
from chalicelib.domain.runs import FINAL_STATES, Run, RunState, task_triggered_id
from chalicelib.engine import sequencer
from chalicelib.observability import count
from chalicelib.services.sequencing.common import SequencingDeps, shipyard_at
from chalicelib.services.sequencing.interpreter import apply
from chalicelib.services.sequencing.start import start_next

log = logging.getLogger("quartermaster-handlers.sequencing")


def on_control(message: dict[str, Any], deps: SequencingDeps) -> None:
    """A message from a state machine: `finished` (the run's end) or `timeout` (a task's
    `timeout` property expired; the machine goes on or ends as `onTimeout` says); or from the
    control plane itself: a task's answer deadline, a settled start."""
    parsed = parse_control_message(message)
    if isinstance(parsed, DeadlineMessage):
        on_deadline(parsed, deps)
        return
    if isinstance(parsed, StartMessage):
        start_next(parsed.scope, deps)
        return
    run = deps.runs.get_run(parsed.run.id)
    if run is None:
        return
    if isinstance(parsed, TimeoutMessage):
        _expire_current_task(run, parsed, deps)
        return
    _finish(run, parsed, deps)


def _finish(run: Run, message: FinishedMessage, deps: SequencingDeps) -> None:
    end = sequencer.finish_outcome(run, message)
    if isinstance(end, sequencer.SettleRun):
        apply(end, deps)  # a redelivery: finish what its end left undone
        return
    end_run(run, end, deps)


def on_deadline(message: DeadlineMessage | dict[str, Any], deps: SequencingDeps) -> bool:
    """A task's answer deadline came (Keptn's TASK_STARTED_WAIT_DURATION): a task still open
    with no `.started` or `.finished` ends its run timed out; True when it did."""
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
            end_run(run, sequencer.no_answer_end(task), deps)  # settles what its end left
        return False
    if not end_run(run, sequencer.no_answer_end(task), deps):
        return False
    # A metric costs by the hour it is written; the alarm reads no data as fine.
    count("SequencesTimedOut")
    return True


def end_run(run: Run, end: sequencer.RunEnd, deps: SequencingDeps) -> bool:
    """Write the run's end with what follows from it (sequencer.end_run), then carry that out.
    False when the run had already ended (aborted meanwhile, or a redelivery): whatever that
    end left undone is done now."""
    # `run` was read after its last task completed (the finish message comes after that).
    shipyard = (
        shipyard_at(deps.config, run.scope.project, run.git_commit or None)
        if end.chains and run.state not in FINAL_STATES
        else None
    )
    decision = sequencer.end_run(run, end, deps.now(), shipyard)

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
