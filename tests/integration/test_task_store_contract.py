"""The TaskStore contract, run against the DynamoDB adapter (moto) and the in-memory fake
(tests/fakes_sequencing.py) alike: a task written with its run's current task, answers counted
once per event and only while open, exactly one close, held tasks, human decisions, and the
task's outbox."""

from __future__ import annotations

import pytest

from chalicelib.domain.effects import Publish, ResumeTask, effects_from_outbox
from chalicelib.domain.runs import CompletedTask, CurrentTask, RunState
from chalicelib.ports import SequencingStore
from tests.integration.sequencing_stores import (
    DEPLOYMENT_TYPE,
    STORES,
    make_store,
    new_task,
    run,
    task,
)

DECISION = {"decision": "approve", "decidedBy": "ops", "decidedAt": "now", "comment": ""}


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> SequencingStore:
    return make_store(request)


def test_answers_are_counted_once_per_event_and_only_while_open(store: SequencingStore) -> None:
    assert new_task(store, task())
    assert not new_task(store, task())
    started = store.count_answer("t1", "deployment", "started", "src/e1", {})
    assert started is not None
    assert (started.started, started.seen) == (1, ["src/e1"])
    assert store.count_answer("t1", "deployment", "started", "src/e1", {}) is None  # redelivered
    finished = store.count_answer("t1", "deployment", "finished", "src/e2", {"result": "pass"})
    assert finished is not None
    assert (finished.started, finished.finished, finished.finished_data, finished.seen) == (
        1,
        1,
        [{"result": "pass"}],
        ["src/e1", "src/e2"],
    )
    assert store.close_task("t1", started=1, finished=1) is True
    assert store.close_task("t1", started=1, finished=1) is False
    assert store.count_answer("t1", "deployment", "finished", "src/e3", {}) is None  # late
    assert store.count_answer("unknown", "deployment", "finished", "src/e4", {}) is None
    closed = store.get_task("t1")
    assert closed is not None
    assert (closed.open, closed.finished, closed.seen) == (False, 1, ["src/e1", "src/e2"])


def test_a_task_reads_back_as_dispatched(store: SequencingStore) -> None:
    record = task().model_copy(update={"properties": '{"deploymentstrategy": "direct"}'})
    new_task(store, record)
    read = store.get_task("t1")
    assert read is not None
    assert read == record.model_copy(update={"outbox": {}})
    assert store.get_task("unknown") is None


def test_an_answer_for_another_task_name_is_not_counted(store: SequencingStore) -> None:
    new_task(store, task())
    assert store.count_answer("t1", "test", "finished", "src/e1", {}) is None
    counted = store.count_answer("t1", "deployment", "finished", "src/e2", {})
    assert counted is not None
    assert counted.finished == 1


def test_a_close_with_outdated_counts_is_refused(store: SequencingStore) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "started", "src/e1", {})
    assert not store.close_task("t1", started=0, finished=0)  # another answer came meanwhile
    assert store.close_task("t1", started=1, finished=0)


def test_open_tasks_and_overdue_first_answers(store: SequencingStore) -> None:
    new_task(store, task("t1"))
    new_task(store, task("t2", dispatched="2026-01-01T00:00:01.000Z"))
    new_task(store, task("t3", dispatched="2026-01-01T00:00:02.000Z"), "2026-01-01T00:20:00.000Z")
    new_task(store, task("t4", name="test"))
    store.count_answer("t2", "deployment", "started", "src/e1", {})
    open_now = store.open_tasks("shop", DEPLOYMENT_TYPE)
    assert [t.triggered_id for t in open_now] == ["t1", "t2", "t3"]  # in dispatch order
    assert [t.triggered_id for t in store.open_tasks("shop", "sh.keptn.event.test.triggered")] == [
        "t4"
    ]
    assert store.open_tasks("other", DEPLOYMENT_TYPE) == []
    store.close_task("t1", 0, 0)
    assert [t.triggered_id for t in store.open_tasks("shop", DEPLOYMENT_TYPE)] == ["t2", "t3"]


def test_an_abandoned_task_is_closed_whatever_its_answers(store: SequencingStore) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "started", "src/e1", {})
    assert store.abandon_task("t1") is True
    assert store.abandon_task("t1") is False
    assert store.abandon_task("unknown") is False
    assert store.count_answer("t1", "deployment", "finished", "src/e2", {}) is None
    assert not store.close_task("t1", 1, 0)
    assert store.open_tasks("shop", DEPLOYMENT_TYPE) == []


def test_closing_a_task_keeps_its_completion_until_the_next_tasks_write_takes_it_over(
    store: SequencingStore,
) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "finished", "src/e1", {"result": "pass"})
    done = CompletedTask(name="deployment", triggered_id="t1", result="pass", status="succeeded")
    outcome = {"result": "pass", "status": "succeeded"}
    assert store.close_task("t1", 0, 1, completion=done, outcome=outcome) is True
    assert store.close_task("t1", 0, 1, completion=done, outcome=outcome) is False
    closed = store.get_task("t1")
    assert closed is not None
    assert (closed.open, closed.completion, closed.outcome) == (False, done, outcome)
    read = store.get_run("run1")
    assert read is not None
    assert read.completed == []  # the close writes the task only
    current = CurrentTask(index=1, name="test", triggered_id="t2")
    assert store.create_task(
        task("t2", name="test"),
        "shop",
        "2026-01-01T00:10:00.000Z",
        (current, RunState.STARTED),
        [],
        "s",
        completed_tail=done,
    )
    assert not store.create_task(  # a redelivered dispatch: nothing appended twice
        task("t2", name="test"),
        "shop",
        "2026-01-01T00:10:00.000Z",
        (current, RunState.STARTED),
        [],
        "s",
        completed_tail=done,
    )
    taken_over = store.get_run("run1")
    assert taken_over is not None
    assert taken_over.completed == [done]


def test_a_finished_alone_is_counted_and_closes_its_task_in_one_write(
    store: SequencingStore,
) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "started", "src/e1", {})
    done = CompletedTask(name="deployment", triggered_id="t1", result="pass", status="succeeded")
    outcome = {"result": "pass", "status": "succeeded"}
    data: dict[str, object] = {"result": "pass", "status": "succeeded"}
    closed, read = store.finish_alone("t1", "deployment", "src/e2", data, done, outcome)
    assert closed is True
    assert read is not None
    assert (read.open, read.started, read.finished, read.finished_data) == (False, 1, 1, [data])
    assert (read.seen, read.completion, read.outcome) == (["src/e1", "src/e2"], done, outcome)
    assert read.tokens == ["secret-token"]
    assert store.open_tasks("shop", DEPLOYMENT_TYPE) == []
    # Redelivered: nothing written, the task as it is tells why.
    again, seen = store.finish_alone("t1", "deployment", "src/e2", data, done, outcome)
    assert again is False
    assert seen == read
    assert store.finish_alone("unknown", "deployment", "src/e3", data, done, outcome) == (
        False,
        None,
    )


def test_a_finished_that_does_not_complete_its_task_alone_is_not_written(
    store: SequencingStore,
) -> None:
    done = CompletedTask(name="deployment", triggered_id="t1", result="pass", status="succeeded")
    outcome = {"result": "pass", "status": "succeeded"}
    new_task(store, task())
    store.count_answer("t1", "deployment", "started", "a/e1", {})
    store.count_answer("t1", "deployment", "started", "b/e2", {})  # two executors
    closed, read = store.finish_alone("t1", "deployment", "a/e3", {}, done, outcome)
    assert closed is False
    assert read is not None
    assert (read.open, read.started, read.finished, read.seen) == (True, 2, 0, ["a/e1", "b/e2"])
    new_task(store, task("t2"))
    store.count_answer("t2", "deployment", "finished", "a/e4", {"result": "pass"})  # one before
    assert store.finish_alone("t2", "deployment", "a/e5", {}, done, outcome)[0] is False
    new_task(store, task("t3"))
    assert store.finish_alone("t3", "test", "a/e6", {}, done, outcome)[0] is False  # other name


def test_later_tokens_are_kept_while_open_and_a_close_sees_every_one(
    store: SequencingStore,
) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "finished", "src/e1", {"result": "pass"})
    assert store.add_token("t1", "token-2") is True
    assert store.add_token("t1", "token-2") is True  # redelivered: kept once
    assert store.add_token("t1", "secret-token") is True  # the first one
    read = store.get_task("t1")
    assert read is not None
    assert read.tokens == ["secret-token", "token-2"]
    # A close decided before token-2 came is refused, so that token-2 is resumed too.
    assert not store.close_task("t1", 0, 1, later_tokens=0)
    assert store.close_task("t1", 0, 1, later_tokens=1)
    assert store.add_token("t1", "token-3") is False  # closed: resume it instead
    assert store.add_token("unknown", "token-4") is False


def test_a_task_can_become_its_runs_current_task_in_the_same_write(
    store: SequencingStore,
) -> None:
    store.create_run(run(1))
    current = CurrentTask(index=0, name="approval", triggered_id="t1")
    assert store.create_task(
        task(name="approval"),
        "shop",
        "2026-01-01T00:10:00.000Z",
        (current, RunState.WAITING_FOR_APPROVAL),
        [],
        "s",
    )
    read = store.get_run("run1")
    assert read is not None
    assert (read.current, read.state) == (current, RunState.WAITING_FOR_APPROVAL)
    store.end_run("run1", RunState.ABORTED, "pass", "aborted", [], "s")
    assert not store.create_task(
        task("t2"), "shop", "2026-01-01T00:10:00.000Z", (current, RunState.STARTED), [], "s"
    )
    assert store.get_task("t2") is None  # nothing half-written for an ended run


def test_a_task_of_an_unknown_run_is_not_written(store: SequencingStore) -> None:
    current = CurrentTask(index=0, name="deployment", triggered_id="t1")
    assert not store.create_task(task(), "shop", None, (current, RunState.STARTED), [], "s")
    assert store.get_task("t1") is None


def test_closing_a_task_stores_its_effects_and_outcome_not_its_resumption(
    store: SequencingStore,
) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "finished", "src/e1", {"result": "pass"})
    skipped = Publish(event={"id": "s1", "type": "sh.keptn.event.deployment.finished"})
    outcome = {"result": "pass", "status": "succeeded"}
    assert store.close_task("t1", 0, 1, outcome=outcome, effects=[skipped], stamp="s2")
    read = store.get_task("t1")
    assert read is not None
    assert (read.open, read.seen, read.outcome) == (False, ["src/e1"], outcome)
    assert [effect for _, effect in effects_from_outbox(read.outbox)] == [skipped]


def test_a_tasks_outbox_keeps_its_decisions_in_order_until_cleared(
    store: SequencingStore,
) -> None:
    store.create_run(run(1))
    sent = Publish(event={"id": "t1", "type": DEPLOYMENT_TYPE})
    current = CurrentTask(index=0, name="deployment", triggered_id="t1")
    assert store.create_task(
        task(), "shop", "2026-01-01T00:10:00.000Z", (current, RunState.STARTED), [sent], "s1"
    )
    resume = ResumeTask(token="secret-token", output={"result": "pass"})
    assert store.abandon_task("t1", [resume], "s2")
    read = store.get_task("t1")
    assert read is not None
    assert [effect for _, effect in effects_from_outbox(read.outbox)] == [sent, resume]
    store.clear_task_effects("t1", list(read.outbox))
    store.clear_task_effects("t1", list(read.outbox))  # a retry's clear is no error
    cleared = store.get_task("t1")
    assert cleared is not None
    assert cleared.outbox == {}


def test_a_held_task_waits_for_no_answer_until_released(store: SequencingStore) -> None:
    sent = Publish(event={"id": "t1", "type": DEPLOYMENT_TYPE})
    assert new_task(store, task(), deadline=None)
    held = store.get_task("t1")
    assert held is not None
    assert (held.held, held.open, held.outbox) == (True, True, {})
    assert [t.triggered_id for t in store.open_tasks("shop", DEPLOYMENT_TYPE)] == ["t1"]
    released = store.release_task("t1", "2026-01-01T00:10:00.000Z", [sent], "s1")
    assert released is not None
    assert (released.held, released.released) == (False, True)
    assert [effect for _, effect in effects_from_outbox(released.outbox)] == [sent]
    assert store.release_task("t1", "2026-01-01T00:10:00.000Z", [sent], "s2") is None
    assert store.release_task("unknown", "2026-01-01T00:10:00.000Z", [], "s") is None


def test_a_closed_held_task_is_not_released(store: SequencingStore) -> None:
    new_task(store, task(), deadline=None)
    store.abandon_task("t1")
    assert store.release_task("t1", "2026-01-01T00:10:00.000Z", [], "s") is None


def test_one_decision_per_approval_and_none_after_its_answer(store: SequencingStore) -> None:
    new_task(store, task("a1", name="approval"))
    new_task(store, task("a2", name="approval"))
    answer = Publish(event={"id": "d1", "type": "sh.keptn.event.approval.finished"})
    assert store.record_decision("a1", DECISION, [answer], "s1") is True
    assert store.record_decision("a1", {**DECISION, "decision": "decline"}, [], "s2") is False
    decided = store.get_task("a1")
    assert decided is not None
    assert decided.decision == DECISION
    assert [effect for _, effect in effects_from_outbox(decided.outbox)] == [answer]
    store.count_answer("a2", "approval", "finished", "tool/e1", {"result": "pass"})
    assert store.record_decision("a2", DECISION, [], "s3") is False  # a tool answered first
    assert store.record_decision("unknown", DECISION, [], "s4") is False
    new_task(store, task("a3", name="approval"))
    store.abandon_task("a3")
    assert store.record_decision("a3", DECISION, [], "s5") is False  # expired or run ended


def test_a_task_is_written_only_while_its_runs_pause_flag_is_as_read(
    store: SequencingStore,
) -> None:
    store.create_run(run(1))
    current = CurrentTask(index=0, name="deployment", triggered_id="t1")
    due = "2026-01-01T00:10:00.000Z"
    # Read while paused (so held), but resumed since: refused, to be decided again.
    assert not store.create_task(task(), "shop", None, (current, RunState.STARTED), [], "s", True)
    store.set_paused("run1", True)
    # Read while running (so sent), but paused since: refused as well.
    assert not store.create_task(task(), "shop", due, (current, RunState.STARTED), [], "s")
    assert store.create_task(task(), "shop", None, (current, RunState.STARTED), [], "s", True)
    assert store.get_task("t1") is not None


def test_a_run_and_one_of_its_tasks_are_read_together(store: SequencingStore) -> None:
    new_task(store, task())
    read_run, read_task = store.get_run_with_task("run1", "t1")
    assert read_run is not None
    assert read_task is not None
    assert (read_run.id, read_task.triggered_id) == ("run1", "t1")
    assert store.get_run_with_task("run1", "unknown")[1] is None
    alone = store.get_run_with_task("run1", None)
    assert alone[0] is not None
    assert alone[1] is None
    assert store.get_run_with_task("unknown", "t1")[0] is None
