"""In-memory sequencing store (chalicelib/ports/sequencing.py): RunStore, ScopeQueues, PauseFlags
and TaskStore in one `FakeSequencingStore` with the DynamoDB adapter's conditions, held to the
same contract suites (tests/integration/test_run_store_contract.py,
test_task_store_contract.py).

`crash_after(method)` makes the next call of a write do its write and then raise, as a Lambda that
dies or loses its connection between a decision's write and its effects would.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.effects import Effect, outbox_entries
from chalicelib.domain.events import canonical_time
from chalicelib.domain.runs import (
    FINAL_STATES,
    CompletedTask,
    CurrentTask,
    Run,
    RunState,
    Scope,
    TaskRecord,
)
from chalicelib.errors import InvalidInput
from tests.fakes_workflows import CrashAfter

ALL_STAGES = "*"


@dataclass
class _Task:
    record: TaskRecord
    open_key: tuple[str, str] | None  # (project, event type) while open: the open-tasks index


def queue_time(created: str) -> str:
    """The queue's order: trigger times normalised to UTC milliseconds (as the adapter)."""
    try:
        return canonical_time(created)
    except InvalidInput:
        return created


class FakeSequencingStore(CrashAfter):
    """Runs, scope queues and locks, pause flags and tasks, with the adapter's conditions."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, Run] = {}
        self.queues: dict[str, dict[str, str]] = {}  # scope key -> {sort key: run id}
        self.locks: dict[str, str] = {}
        self.pause_flags: dict[str, set[str]] = {}
        self.tasks: dict[str, _Task] = {}

    # -- RunStore ----------------------------------------------------------------------------

    def create_run(self, run: Run, paused_by: str | None = None) -> bool:
        if run.id in self.runs:
            return False
        flags = self.pause_flags.get(run.keptn_context, set())
        if run.paused:
            as_read = paused_by is None or paused_by in flags  # None: paused by the caller
        else:
            as_read = not flags & {ALL_STAGES, run.scope.stage}
        if not as_read:
            return False  # the context was paused or resumed since its flags were read
        # Stored as the adapter stores it: the trigger's facts, its state and pause flag.
        self.runs[run.id] = run.model_copy(
            deep=True,
            update={
                "completed": [],
                "current": None,
                "execution_arn": None,
                "result": None,
                "status": None,
                "outbox": {},
            },
        )
        place = f"Q#{queue_time(run.created)}#{run.id}"
        self.queues.setdefault(run.scope.key, {})[place] = run.id
        self._written("create_run")
        return True

    def get_run(self, run_id: str) -> Run | None:
        run = self.runs.get(run_id)
        return run.model_copy(deep=True) if run else None

    def get_run_with_task(
        self, run_id: str, triggered_id: str | None
    ) -> tuple[Run | None, TaskRecord | None]:
        return self.get_run(run_id), self.get_task(triggered_id) if triggered_id else None

    def runs_of_context(self, keptn_context: str, consistent: bool = False) -> list[Run]:
        found = [r for r in self.runs.values() if r.keptn_context == keptn_context]
        return [r.model_copy(deep=True) for r in sorted(found, key=_created)]

    def runs_of_project(self, project: str, limit: int) -> list[Run]:
        found = sorted((r for r in self.runs.values() if r.scope.project == project), key=_created)
        return [r.model_copy(deep=True) for r in reversed(found)][:limit]

    def _open_run(self, run_id: str) -> Run | None:
        run = self.runs.get(run_id)
        return run if run is not None and run.state not in FINAL_STATES else None

    def end_run(
        self,
        run_id: str,
        state: RunState,
        result: str,
        status: str,
        effects: list[Effect],
        stamp: str,
        completed_tail: CompletedTask | None = None,
        unanswered: str | None = None,
    ) -> bool:
        run = self._open_run(run_id)
        if run is None:
            return False
        if unanswered is not None:
            task = self._open_task(unanswered)
            if task is None or task.record.answered or task.record.held:
                return False
        run.state, run.result, run.status = state, result, status
        if completed_tail is not None:
            run.completed.append(completed_tail)
        run.outbox.update(outbox_entries(effects, stamp))
        self._written("end_run")
        return True

    def mark_started(self, run_id: str, execution_arn: str) -> bool:
        run = self._open_run(run_id)
        if run is None:
            return False
        run.execution_arn, run.state = execution_arn, RunState.STARTED
        self._written("mark_started")
        return True

    def set_paused(self, run_id: str, paused: bool) -> bool:
        run = self._open_run(run_id)
        if run is None or run.paused == paused:
            return False
        run.paused = paused
        self._written("set_paused")
        return True

    def clear_run_effects(self, run_id: str, names: list[str]) -> None:
        outbox = self.runs[run_id].outbox if run_id in self.runs else {}
        for name in names:
            outbox.pop(name, None)  # absent: a retry removed it already
        self._written("clear_run_effects")

    # -- ScopeQueues -------------------------------------------------------------------------

    def lock_holder(self, scope: Scope) -> str | None:
        return self.locks.get(scope.key)

    def claim_next(self, scope: Scope) -> str | None:
        queue = self.queues.get(scope.key, {})
        if not queue or scope.key in self.locks:
            return None
        place = min(queue)
        run_id = queue.pop(place)
        self.locks[scope.key] = run_id
        self._written("claim_next")
        return run_id

    def release(self, scope: Scope, run_id: str) -> None:
        if self.locks.get(scope.key) == run_id:
            del self.locks[scope.key]
        queue = self.queues.get(scope.key, {})
        for place in [p for p, waiting in queue.items() if waiting == run_id]:
            del queue[place]  # not the holder: it waited (aborted while queued)
        self._written("release")

    # -- PauseFlags --------------------------------------------------------------------------

    def set_context_pause(self, keptn_context: str, stage: str | None, paused: bool) -> None:
        flags = self.pause_flags.setdefault(keptn_context, set())
        if paused:
            flags.add(stage or ALL_STAGES)
        elif stage is not None:
            flags.discard(stage)  # a pause of all stages stays (as on DynamoDB)
        else:
            flags.clear()

    def context_paused(self, keptn_context: str, stage: str) -> bool:
        return self.pause_flag(keptn_context, stage) is not None

    def pause_flag(self, keptn_context: str, stage: str) -> str | None:
        found = self.pause_flags.get(keptn_context, set()) & {ALL_STAGES, stage}
        return min(found) if found else None

    # -- TaskStore ---------------------------------------------------------------------------

    def create_task(
        self,
        task: TaskRecord,
        project: str,
        answer_deadline: str | None,
        current: tuple[CurrentTask, RunState],
        effects: list[Effect],
        stamp: str,
        paused: bool = False,
        completed_tail: CompletedTask | None = None,
    ) -> bool:
        run = self._open_run(task.run_id)
        if task.triggered_id in self.tasks or run is None or run.paused != paused:
            return False
        record = TaskRecord.model_validate(
            {
                **task.model_dump(
                    include={
                        "triggered_id",
                        "run_id",
                        "index",
                        "name",
                        "event_type",
                        "dispatched",
                        "properties",
                        "token",
                    }
                ),
                "held": answer_deadline is None,
                "outbox": outbox_entries(effects, stamp),
            }
        )
        stored = _Task(record, (project, task.event_type))
        self.tasks[task.triggered_id] = stored
        run.current, run.state = current
        if completed_tail is not None:
            run.completed.append(completed_tail)
        self._written("create_task")
        return True

    def get_task(self, triggered_id: str) -> TaskRecord | None:
        task = self.tasks.get(triggered_id)
        return task.record.model_copy(deep=True) if task else None

    def _open_task(self, triggered_id: str) -> _Task | None:
        task = self.tasks.get(triggered_id)
        return task if task is not None and task.record.open else None

    def count_answer(
        self,
        triggered_id: str,
        task_name: str,
        phase: str,
        event_key: str,
        data: dict[str, object],
    ) -> TaskRecord | None:
        task = self._open_task(triggered_id)
        if task is None or task.record.name != task_name or event_key in task.record.seen:
            return None
        record = task.record
        if phase == "finished":
            record.finished += 1
            record.finished_data.append(dict(data))
        else:
            record.started += 1
        record.seen.append(event_key)
        self._written("count_answer")
        return self.get_task(triggered_id)

    def finish_alone(
        self,
        triggered_id: str,
        task_name: str,
        event_key: str,
        data: dict[str, object],
        completion: CompletedTask,
        outcome: dict[str, str],
    ) -> tuple[bool, TaskRecord | None]:
        task = self.tasks.get(triggered_id)
        if task is None:
            return False, None
        record = task.record
        if (
            not record.open
            or record.name != task_name
            or event_key in record.seen
            or record.finished
            or record.started > 1
        ):
            return False, self.get_task(triggered_id)
        record.finished += 1
        record.finished_data.append(dict(data))
        record.seen.append(event_key)
        record.completion, record.outcome = completion, dict(outcome)
        self._close(task, None, "")
        self._written("finish_alone")
        return True, self.get_task(triggered_id)

    def add_token(self, triggered_id: str, token: str) -> bool:
        task = self._open_task(triggered_id)
        if task is None:
            return False
        if token not in task.record.tokens:
            task.record.later_tokens.append(token)
            self._written("add_token")
        return True

    def _close(self, task: _Task, effects: list[Effect] | None, stamp: str) -> None:
        task.record.open = False
        task.record.outbox.update(outbox_entries(effects or [], stamp))
        task.open_key = None

    def close_task(
        self,
        triggered_id: str,
        started: int,
        finished: int,
        completion: CompletedTask | None = None,
        outcome: dict[str, str] | None = None,
        later_tokens: int = 0,
        effects: list[Effect] | None = None,
        stamp: str = "",
    ) -> bool:
        task = self._open_task(triggered_id)
        if task is None:
            return False
        record = task.record
        if (record.started, record.finished, len(record.later_tokens)) != (
            started,
            finished,
            later_tokens,
        ):
            return False
        record.completion = completion
        record.outcome = dict(outcome) if outcome is not None else None
        self._close(task, effects, stamp)
        self._written("close_task")
        return True

    def abandon_task(
        self, triggered_id: str, effects: list[Effect] | None = None, stamp: str = ""
    ) -> bool:
        task = self._open_task(triggered_id)
        if task is None:
            return False
        self._close(task, effects, stamp)
        self._written("abandon_task")
        return True

    def record_decision(
        self, triggered_id: str, decision: dict[str, str], effects: list[Effect], stamp: str
    ) -> bool:
        task = self._open_task(triggered_id)
        if task is None or task.record.decision is not None or task.record.finished:
            return False
        task.record.decision = dict(decision)
        task.record.outbox.update(outbox_entries(effects, stamp))
        self._written("record_decision")
        return True

    def release_task(
        self, triggered_id: str, answer_deadline: str, effects: list[Effect], stamp: str
    ) -> TaskRecord | None:
        task = self._open_task(triggered_id)
        if task is None or not task.record.held:
            return None
        task.record.held, task.record.released = False, True
        task.record.outbox.update(outbox_entries(effects, stamp))
        self._written("release_task")
        return self.get_task(triggered_id)

    def clear_task_effects(self, triggered_id: str, names: list[str]) -> None:
        outbox = self.tasks[triggered_id].record.outbox if triggered_id in self.tasks else {}
        for name in names:
            outbox.pop(name, None)
        self._written("clear_task_effects")

    def open_tasks(self, project: str, event_type: str) -> list[TaskRecord]:
        found = [t.record for t in self.tasks.values() if t.open_key == (project, event_type)]
        return [t.model_copy(deep=True) for t in sorted(found, key=lambda t: t.dispatched)]


def _created(run: Run) -> str:
    return f"{run.created}#{run.id}"  # the index's sort key: the trigger time as written
