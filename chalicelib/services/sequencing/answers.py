"""Task answers: count `.started`/`.finished` per task and resume the run when it completes.

Each answer is counted once (the store remembers the event's source and id) and only while the
task is open, so duplicate, late and unknown answers are stored by the recorder and change
nothing here. A `.finished` that completes its task as it is counted (no `.finished` before,
at most one `.started`) is counted and closes the task in one write; otherwise the count and
the close are two. Exactly one handler wins the close. The resumption follows from the closed
task's state (its outcome), so a crash before it is finished by the redelivery, which finds
the task closed and resumes its tokens again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.runs import CompletedTask
from chalicelib.engine import sequencer
from chalicelib.errors import DependencyFailure
from chalicelib.observability import duration_ms
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.effects import carry_out
from chalicelib.services.sequencing.interpreter import apply

CLOSE_ATTEMPTS = 3


def on_task_answer(event: KeptnEvent, deps: SequencingDeps) -> CompletedTask | None:
    """Count one answer; the completed task when this answer completed it."""
    parsed = parse_event_type(event.type)
    if parsed.kind is not TypeKind.TASK or parsed.phase not in (Phase.STARTED, Phase.FINISHED):
        return None
    if not event.triggeredid:
        return None
    triggered_id, key = event.triggeredid, f"{event.source}\x1f{event.id}"
    if parsed.phase == Phase.FINISHED:
        completion = sequencer.finished_alone(parsed.name, triggered_id, event.data)
        outcome = {"result": completion.result, "status": completion.status}
        closed, task = deps.tasks.finish_alone(
            triggered_id, parsed.name, key, event.data, completion, outcome
        )
        if closed and task is not None:
            # Counted and closed in one write: resume the execution (every token it waits on).
            # Only that: an outbox entry still there is the dispatch's, which is its own to
            # finish (its `.triggered` was sent, or this answer could not have come).
            for resume in sequencer.resumptions(task):
                carry_out(resume, deps)
            _measure(task.dispatched, completion, deps)
            return completion
        if task is None or not task.open or key in task.seen or task.name != parsed.name:
            # Not ours, or counted before (a redelivery): only then may work be left to do.
            apply(sequencer.recount(task, key), deps)
            return None
    counted = deps.tasks.count_answer(triggered_id, parsed.name, parsed.phase, key, event.data)
    if counted is None:
        # Counted before (a redelivery, or this delivery's own write answered with an error)
        # or not ours to count: only in the first case may work be left to do.
        decision = sequencer.recount(deps.tasks.get_task(triggered_id), key)
    else:
        decision = sequencer.completion(counted)
    for _ in range(CLOSE_ATTEMPTS):
        applied = apply(decision, deps)
        if not isinstance(decision, sequencer.CloseTask):
            return None
        if applied.written:
            _measure(decision.dispatched, decision.completed, deps)
            return decision.completed
        if applied.stored is None or not applied.stored.open:
            return None  # closed by another answer's handler (which resumed it)
        # Still open: another answer or another token came between the read and the close.
        decision = sequencer.completion(applied.stored)
    raise DependencyFailure(f"task {triggered_id} kept changing while it was being closed")


def _measure(dispatched: str, completed: CompletedTask, deps: SequencingDeps) -> None:
    duration_ms("TaskDuration", _elapsed_ms(dispatched, deps.clock()), task=completed.name)


def _elapsed_ms(since: str, now: datetime) -> float:
    """Milliseconds from a stored timestamp (Keptn's format, UTC) to `now`."""
    start = datetime.fromisoformat(since.replace("Z", "+00:00"))
    if now.tzinfo is None:  # a test's naive clock is UTC too
        now = now.replace(tzinfo=UTC)
    return (now - start).total_seconds() * 1000
