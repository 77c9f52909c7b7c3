"""Task answers: count `.started`/`.finished` per task and resume the run when it completes.

Each answer is counted once (the store remembers the event's source and id) and only while the
task is open, so duplicate, late and unknown answers are stored by the recorder and change
nothing here. Exactly one handler wins the close; the close and the resumption it implies are
written together (the task's outbox), so a crash between them is finished by the redelivery.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.effects import Effect, ResumeTask, outbox_entries
from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.runs import CompletedTask, TaskRecord
from chalicelib.engine.completion import complete_task, is_task_complete
from chalicelib.observability import duration_ms
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.effects import settle_task


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
        task = deps.tasks.get_task(event.triggeredid)
        if task is None or key not in task.seen:
            return None
        if not task.open:
            settle_task(task.triggered_id, task.outbox, deps)
            return None
    if not is_task_complete(task.started, task.finished):
        return None
    return _complete(task, deps)


def _complete(task: TaskRecord, deps: SequencingDeps) -> CompletedTask | None:
    """Close the task with its merged result and resume the execution waiting for it."""
    outcome = complete_task(task.name, task.finished_data)
    completed = CompletedTask(
        name=task.name,
        triggered_id=task.triggered_id,
        result=outcome.result,
        status=outcome.status,
        data=dict(outcome.data),
    )
    effects: list[Effect] = [
        ResumeTask(
            token=task.token, output={"result": completed.result, "status": completed.status}
        )
    ]
    stamp = deps.now()
    if not deps.tasks.close_task(
        task.triggered_id, task.started, task.finished, (task.run_id, completed), effects, stamp
    ):
        # Another answer counted meanwhile closes it, or a close of ours went through.
        closed = deps.tasks.get_task(task.triggered_id)
        if closed is not None and not closed.open:
            settle_task(closed.triggered_id, closed.outbox, deps)
        return None
    settle_task(task.triggered_id, outbox_entries(effects, stamp), deps)
    duration_ms("TaskDuration", _elapsed_ms(task.dispatched, deps.clock()), task=task.name)
    return completed


def _elapsed_ms(since: str, now: datetime) -> float:
    """Milliseconds from a stored timestamp (Keptn's format, UTC) to `now`."""
    start = datetime.fromisoformat(since.replace("Z", "+00:00"))
    if now.tzinfo is None:  # a test's naive clock is UTC too
        now = now.replace(tzinfo=UTC)
    return (now - start).total_seconds() * 1000
