"""Task answers: count `.started`/`.finished` per task and resume the run when it completes.

Each answer is counted once (the store remembers the event's source and id) and only while the
task is open, so duplicate, late and unknown answers are stored by the recorder and change
nothing here. Exactly one handler wins the close; the close and the resumption it implies are
written together (the task's outbox), so a crash between them is finished by the redelivery.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.runs import CompletedTask
from chalicelib.engine import sequencer
from chalicelib.observability import duration_ms
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.interpreter import apply


def on_task_answer(event: KeptnEvent, deps: SequencingDeps) -> CompletedTask | None:
    """Count one answer; the completed task when this answer completed it."""
    parsed = parse_event_type(event.type)
    if parsed.kind is not TypeKind.TASK or parsed.phase not in (Phase.STARTED, Phase.FINISHED):
        return None
    if not event.triggeredid:
        return None
    data = event.data if parsed.phase == Phase.FINISHED else {}
    key = f"{event.source}\x1f{event.id}"
    task = deps.tasks.count_answer(event.triggeredid, parsed.name, parsed.phase, key, data)
    if task is None:
        # Counted before (a redelivery, or this delivery's own write answered with an error)
        # or not ours to count: only in the first case may work be left to do.
        decision = sequencer.recount(deps.tasks.get_task(event.triggeredid), key)
    else:
        decision = sequencer.completion(task)
    if not apply(decision, deps).written or not isinstance(decision, sequencer.CloseTask):
        return None
    duration_ms(
        "TaskDuration", _elapsed_ms(decision.dispatched, deps.clock()), task=decision.completed.name
    )
    return decision.completed


def _elapsed_ms(since: str, now: datetime) -> float:
    """Milliseconds from a stored timestamp (Keptn's format, UTC) to `now`."""
    start = datetime.fromisoformat(since.replace("Z", "+00:00"))
    if now.tzinfo is None:  # a test's naive clock is UTC too
        now = now.replace(tzinfo=UTC)
    return (now - start).total_seconds() * 1000
