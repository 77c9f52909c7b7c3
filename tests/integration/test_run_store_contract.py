"""The RunStore contract on DynamoDB (moto): runs, queue and lock, task answers counted once."""

from __future__ import annotations

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.effects import Effect, FreeScope, Publish, ResumeTask, effects_from_outbox
from chalicelib.domain.runs import CompletedTask, CurrentTask, Run, RunState, Scope, TaskRecord
from chalicelib.ports import SequencingStore as RunStore

SCOPE = Scope(project="shop", stage="dev", service="cart")


@pytest.fixture
def store(aws_container: Container) -> RunStore:
    return aws_container.runs


def run(n: int, scope: Scope = SCOPE, context: str = "ctx") -> Run:
    return Run(
        id=f"run{n}",
        scope=scope,
        sequence="delivery",
        keptn_context=context,
        triggered_id=f"trig{n}",
        git_commit="000000000001",
        created=f"2026-01-01T00:00:0{n}.000Z",
        input={"image": f"v{n}"},
    )


def task(triggered_id: str = "t1", run_id: str = "run1") -> TaskRecord:
    return TaskRecord(
        triggered_id=triggered_id,
        run_id=run_id,
        index=0,
        name="deployment",
        token="secret-token",
        event_type="sh.keptn.event.deployment.triggered",
        dispatched="2026-01-01T00:00:00.000Z",
    )


def test_a_run_is_created_once_and_reads_back(store: RunStore) -> None:
    assert store.create_run(run(1)) is True
    assert store.create_run(run(1)) is False
    read = store.get_run("run1")
    assert read is not None
    assert (read.state, read.input, read.scope) == (RunState.TRIGGERED, {"image": "v1"}, SCOPE)


def test_state_changes_stop_at_a_final_state(store: RunStore) -> None:
    store.create_run(run(1))
    assert store.mark_started("run1", "arn:execution")
    store.create_task(
        task("t"),
        "shop",
        None,
        (CurrentTask(index=0, name="deployment", triggered_id="t"), RunState.STARTED),
        [],
        "s",
    )
    assert store.end_run("run1", RunState.FINISHED, "pass", "succeeded", [], "t1")
    assert not store.end_run("run1", RunState.ABORTED, "pass", "aborted", [], "t2")
    read = store.get_run("run1")
    assert read is not None
    assert (read.state, read.result, read.current, read.execution_arn) == (
        RunState.FINISHED,
        "pass",
        CurrentTask(index=0, name="deployment", triggered_id="t"),
        "arn:execution",
    )
    assert not store.mark_started("run1", "arn:other")


def test_the_queue_starts_runs_one_at_a_time_in_trigger_order(store: RunStore) -> None:
    for n in (3, 1, 2):  # delivered out of order
        store.create_run(run(n))
    assert store.claim_next(SCOPE) == "run1"
    assert store.claim_next(SCOPE) is None  # the lock is held
    store.release(SCOPE, "run1")
    assert store.claim_next(SCOPE) == "run2"
    store.release(SCOPE, "run3")  # a waiting run leaves the queue (abort while queued)
    store.release(SCOPE, "run2")
    assert store.claim_next(SCOPE) is None


def test_scopes_queue_independently(store: RunStore) -> None:
    other = Scope(project="shop", stage="dev", service="payment")
    store.create_run(run(1))
    store.create_run(run(2, scope=other))
    assert store.claim_next(SCOPE) == "run1"
    assert store.claim_next(other) == "run2"


def test_runs_by_context_and_by_project(store: RunStore) -> None:
    store.create_run(run(1, context="a"))
    store.create_run(run(2, context="b", scope=Scope(project="shop", stage="dev", service="b")))
    store.create_run(run(3, context="a", scope=Scope(project="shop", stage="dev", service="c")))
    assert [r.id for r in store.runs_of_context("a")] == ["run1", "run3"]
    assert [r.id for r in store.runs_of_project("shop", limit=2)] == ["run3", "run2"]


def new_task(
    store: RunStore, record: TaskRecord, deadline: str = "2026-01-01T00:10:00.000Z"
) -> bool:
    """A task of run1 (created if needed), made its current task."""
    store.create_run(run(1))
    current = CurrentTask(index=0, name=record.name, triggered_id=record.triggered_id)
    return store.create_task(record, "shop", deadline, (current, RunState.STARTED), [], "s")


def test_answers_are_counted_once_per_event_and_only_while_open(store: RunStore) -> None:
    assert new_task(store, task())
    assert not new_task(store, task())
    started = store.count_answer("t1", "deployment", "started", "src/e1", {})
    assert started is not None
    assert started.started == 1
    assert store.count_answer("t1", "deployment", "started", "src/e1", {}) is None  # redelivered
    finished = store.count_answer("t1", "deployment", "finished", "src/e2", {"result": "pass"})
    assert finished is not None
    assert (finished.started, finished.finished, finished.finished_data) == (
        1,
        1,
        [{"result": "pass"}],
    )
    assert store.close_task("t1", started=1, finished=1) is True
    assert store.close_task("t1", started=1, finished=1) is False
    assert store.count_answer("t1", "deployment", "finished", "src/e3", {}) is None  # late
    assert store.count_answer("unknown", "deployment", "finished", "src/e4", {}) is None


def test_an_answer_for_another_task_name_is_not_counted(store: RunStore) -> None:
    new_task(store, task())
    assert store.count_answer("t1", "test", "finished", "src/e1", {}) is None
    counted = store.count_answer("t1", "deployment", "finished", "src/e2", {})
    assert counted is not None
    assert counted.finished == 1


def test_open_tasks_are_listed_until_closed(store: RunStore) -> None:
    new_task(store, task("t1"))
    new_task(store, task("t2"))
    new_task(store, task("t3"), "2026-01-01T00:20:00.000Z")
    store.count_answer("t2", "deployment", "started", "src/e1", {})
    open_now = store.open_tasks("shop", "sh.keptn.event.deployment.triggered")
    assert sorted(t.triggered_id for t in open_now) == ["t1", "t2", "t3"]
    store.close_task("t1", 0, 0)
    assert [
        t.triggered_id for t in store.open_tasks("shop", "sh.keptn.event.deployment.triggered")
    ] == ["t2", "t3"]


def test_closing_a_task_can_complete_it_on_its_run_in_the_same_write(store: RunStore) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "finished", "src/e1", {"result": "pass"})
    done = CompletedTask(name="deployment", triggered_id="t1", result="pass", status="succeeded")
    assert store.close_task("t1", 0, 1, completed=("run1", done)) is True
    assert store.close_task("t1", 0, 1, completed=("run1", done)) is False
    read = store.get_run("run1")
    assert read is not None
    assert read.completed == [done]  # appended once


def test_a_task_can_become_its_runs_current_task_in_the_same_write(store: RunStore) -> None:
    store.create_run(run(1))
    current = CurrentTask(index=0, name="deployment", triggered_id="t1")
    assert store.create_task(
        task(), "shop", "2026-01-01T00:10:00.000Z", (current, RunState.STARTED), [], "s"
    )
    read = store.get_run("run1")
    assert read is not None
    assert (read.current, read.state) == (current, RunState.STARTED)
    store.end_run("run1", RunState.ABORTED, "pass", "aborted", [], "s")
    assert not store.create_task(
        task("t2"), "shop", "2026-01-01T00:10:00.000Z", (current, RunState.STARTED), [], "s"
    )
    assert store.get_task("t2") is None  # nothing half-written for an ended run


def test_a_decision_keeps_its_effects_until_they_are_cleared(store: RunStore) -> None:
    store.create_run(run(1))
    event = {"id": "e1", "type": "sh.keptn.event.dev.delivery.finished"}
    effects: list[Effect] = [
        Publish(event=event),
        FreeScope(scope=SCOPE, run_id="run1"),
    ]
    assert store.end_run("run1", RunState.FINISHED, "pass", "succeeded", effects, "s1")
    read = store.get_run("run1")
    assert read is not None
    assert [effect for _, effect in effects_from_outbox(read.outbox)] == effects  # in order
    store.clear_run_effects("run1", list(read.outbox))
    store.clear_run_effects("run1", list(read.outbox))  # a retry's clear is no error
    cleared = store.get_run("run1")
    assert cleared is not None
    assert cleared.outbox == {}


def test_closing_a_task_stores_its_resumption(store: RunStore) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "finished", "src/e1", {"result": "pass"})
    resume = ResumeTask(token="secret-token", output={"result": "pass"})
    done = CompletedTask(name="deployment", triggered_id="t1", result="pass", status="succeeded")
    assert store.close_task("t1", 0, 1, ("run1", done), [resume], "s2")
    read = store.get_task("t1")
    assert read is not None
    assert (read.open, read.seen) == (False, ["src/e1"])
    assert [effect for _, effect in effects_from_outbox(read.outbox)] == [resume]


def test_a_queued_run_and_its_place_are_written_together(store: RunStore) -> None:
    assert store.create_run(run(1))
    assert not store.create_run(run(1))  # the same trigger again: no second place in the queue
    assert store.claim_next(SCOPE) == "run1"
    assert store.lock_holder(SCOPE) == "run1"
    store.release(SCOPE, "run1")
    assert store.claim_next(SCOPE) is None
    assert store.lock_holder(SCOPE) is None


def test_trigger_times_in_other_offsets_queue_in_time_order(store: RunStore) -> None:
    late = run(1).model_copy(update={"created": "2026-01-01T01:00:00.000+02:00"})  # 23:00 Z
    early = run(2).model_copy(update={"created": "2026-01-01T00:30:00Z"})
    store.create_run(late)
    store.create_run(early)
    assert store.claim_next(SCOPE) == "run1"  # 2025-12-31T23:00Z comes first
