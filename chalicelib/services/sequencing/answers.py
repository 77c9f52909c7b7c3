"""Task answers: count `.started`/`.finished` per task and resume the run when it completes.

Each answer is counted once (the store remembers the event's source and id) and only while the
task is open, so duplicate, late and unknown answers are stored by the recorder and change
nothing here. Exactly one handler wins the close and resumes the state machine.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.runs import CompletedTask
from chalicelib.engine.completion import complete_task, is_task_complete
from chalicelib.observability import duration_ms
from chalicelib.services.sequencing.common import SequencingDeps


def on_task_answer(event: KeptnEvent, deps: SequencingDeps) -> CompletedTask | None:
    """Count one answer; the completed task when this answer completed it."""
    parsed = parse_event_type(event.type)
    if parsed.kind is not TypeKind.TASK or parsed.phase not in (Phase.STARTED, Phase.FINISHED):
        return None
    if not event.triggeredid:
        return None
    data = event.data if parsed.phase == Phase.FINISHED else {}
    task = deps.runs.count_answer(
        event.triggeredid, parsed.name, parsed.phase, f"{event.source}\x1f{event.id}", data
    )
    if task is None:
        return None
    if not is_task_complete(task.started, task.finished):
        return None
    outcome = complete_task(task.name, task.finished_data)
    completed = CompletedTask(
        name=task.name,
        triggered_id=task.triggered_id,
        result=outcome.result,
        status=outcome.status,
        data=dict(outcome.data),
    )
    if not deps.runs.close_task(
        task.triggered_id, task.started, task.finished, completed=(task.run_id, completed)
    ):
        return None  # another answer completed it at the same moment
    deps.workflows.complete_task(
        task.token, {"result": completed.result, "status": completed.status}
    )
    duration_ms("TaskDuration", _elapsed_ms(task.dispatched, deps.clock()), task=task.name)
    return completed


def _elapsed_ms(since: str, now: datetime) -> float:
    """Milliseconds from a stored timestamp (Keptn's format, UTC) to `now`."""
    start = datetime.fromisoformat(since.replace("Z", "+00:00"))
    if now.tzinfo is None:  # a test's naive clock is UTC too
        now = now.replace(tzinfo=UTC)
    return (now - start).total_seconds() * 1000
