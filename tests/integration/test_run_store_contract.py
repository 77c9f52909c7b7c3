"""The RunStore, ScopeQueues and PauseFlags contract, run against the DynamoDB adapter (moto)
and the in-memory fake (tests/fakes_sequencing.py) alike: runs created once, final states that
never change, outboxes, one run per scope in trigger order, and paused contexts.
(TaskStore: test_task_store_contract.py.)"""

from __future__ import annotations

import pytest

from chalicelib.domain.effects import Effect, FreeScope, Publish, StopExecution, effects_from_outbox
from chalicelib.domain.runs import CompletedTask, CurrentTask, RunState, Scope
from chalicelib.ports import SequencingStore
from tests.integration.sequencing_stores import SCOPE, STORES, make_store, new_task, run, task


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> SequencingStore:
    return make_store(request)


def test_a_run_is_created_once_and_reads_back(store: SequencingStore) -> None:
    assert store.create_run(run(1)) is True
    assert store.create_run(run(1)) is False
    read = store.get_run("run1")
    assert read is not None
    assert (read.state, read.input, read.scope) == (RunState.TRIGGERED, {"image": "v1"}, SCOPE)
    assert (read.current, read.execution_arn, read.paused, read.outbox) == (None, None, False, {})
    assert store.get_run("unknown") is None


def test_a_run_created_paused_reads_back_paused(store: SequencingStore) -> None:
    store.create_run(run(1).model_copy(update={"paused": True, "task_wait_seconds": 30}))
    read = store.get_run("run1")
    assert read is not None
    assert (read.paused, read.task_wait_seconds) == (True, 30)


def test_state_changes_stop_at_a_final_state(store: SequencingStore) -> None:
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
    assert (read.state, read.result, read.status, read.current, read.execution_arn) == (
        RunState.FINISHED,
        "pass",
        "succeeded",
        CurrentTask(index=0, name="deployment", triggered_id="t"),
        "arn:execution",
    )
    assert not store.mark_started("run1", "arn:other")
    assert not store.set_paused("run1", True)


def test_changes_to_an_unknown_run_are_refused(store: SequencingStore) -> None:
    assert not store.mark_started("unknown", "arn:execution")
    assert not store.end_run("unknown", RunState.ABORTED, "pass", "aborted", [], "s")
    assert not store.set_paused("unknown", True)
    assert store.get_run("unknown") is None


def test_a_run_is_paused_and_resumed_once_each(store: SequencingStore) -> None:
    store.create_run(run(1))
    assert store.set_paused("run1", True) is True
    assert store.set_paused("run1", True) is False  # already paused
    paused = store.get_run("run1")
    assert paused is not None
    assert paused.paused
    assert store.set_paused("run1", False) is True
    assert store.set_paused("run1", False) is False
    resumed = store.get_run("run1")
    assert resumed is not None
    assert not resumed.paused


def test_the_queue_starts_runs_one_at_a_time_in_trigger_order(store: SequencingStore) -> None:
    for n in (3, 1, 2):  # delivered out of order
        store.create_run(run(n))
    assert store.claim_next(SCOPE) == "run1"
    assert store.claim_next(SCOPE) is None  # the lock is held
    store.release(SCOPE, "run1")
    assert store.claim_next(SCOPE) == "run2"
    store.release(SCOPE, "run3")  # a waiting run leaves the queue (abort while queued)
    store.release(SCOPE, "run2")
    assert store.claim_next(SCOPE) is None


def test_a_release_by_a_run_that_neither_holds_nor_waits_changes_nothing(
    store: SequencingStore,
) -> None:
    store.create_run(run(1))
    store.create_run(run(2))
    assert store.claim_next(SCOPE) == "run1"
    store.release(SCOPE, "run9")
    store.release(SCOPE, "run1")
    store.release(SCOPE, "run1")  # a retried release: the lock stays free
    assert store.lock_holder(SCOPE) is None
    assert store.claim_next(SCOPE) == "run2"
    assert store.lock_holder(SCOPE) == "run2"


def test_scopes_queue_independently(store: SequencingStore) -> None:
    other = Scope(project="shop", stage="dev", service="payment")
    store.create_run(run(1))
    store.create_run(run(2, scope=other))
    assert store.claim_next(SCOPE) == "run1"
    assert store.claim_next(other) == "run2"
    assert (store.lock_holder(SCOPE), store.lock_holder(other)) == ("run1", "run2")


def test_runs_by_context_and_by_project(store: SequencingStore) -> None:
    store.create_run(run(1, context="a"))
    store.create_run(run(2, context="b", scope=Scope(project="shop", stage="dev", service="b")))
    store.create_run(run(3, context="a", scope=Scope(project="shop", stage="dev", service="c")))
    assert [r.id for r in store.runs_of_context("a")] == ["run1", "run3"]
    assert [r.id for r in store.runs_of_project("shop", limit=2)] == ["run3", "run2"]
    assert store.runs_of_context("none") == []
    assert store.runs_of_project("other", limit=5) == []
    # Read consistently: every run written so far, each as it is now.
    store.end_run("run3", RunState.ABORTED, "pass", "aborted", [], "s")
    consistent = store.runs_of_context("a", consistent=True)
    assert [(r.id, r.state) for r in consistent] == [
        ("run1", RunState.TRIGGERED),
        ("run3", RunState.ABORTED),
    ]
    assert store.runs_of_context("none", consistent=True) == []


def test_an_end_at_a_deadline_is_written_only_while_the_task_is_unanswered(
    store: SequencingStore,
) -> None:
    new_task(store, task())
    store.count_answer("t1", "deployment", "started", "src/e1", {})
    ended = store.end_run("run1", RunState.TIMED_OUT, "fail", "errored", [], "s", unanswered="t1")
    assert not ended  # a .started came since the deadline's read
    read = store.get_run("run1")
    assert read is not None
    assert read.state is not RunState.TIMED_OUT
    new_task(store, task("t2"))
    assert store.end_run("run1", RunState.TIMED_OUT, "fail", "errored", [], "s", unanswered="t2")


def test_a_runs_end_can_take_over_its_last_tasks_completion(store: SequencingStore) -> None:
    store.create_run(run(1))
    done = CompletedTask(name="deployment", triggered_id="t1", result="pass", status="succeeded")
    assert store.end_run("run1", RunState.FINISHED, "pass", "succeeded", [], "s", done)
    read = store.get_run("run1")
    assert read is not None
    assert read.completed == [done]


def test_a_decision_keeps_its_effects_until_they_are_cleared(store: SequencingStore) -> None:
    store.create_run(run(1))
    event = {"id": "e1", "type": "sh.keptn.event.dev.delivery.finished"}
    effects: list[Effect] = [
        Publish(event=event),
        StopExecution(execution_arn="arn:execution", cause="aborted"),
        FreeScope(scope=SCOPE, run_id="run1"),
    ]
    assert store.end_run("run1", RunState.FINISHED, "pass", "succeeded", effects, "s1")
    read = store.get_run("run1")
    assert read is not None
    assert [effect for _, effect in effects_from_outbox(read.outbox)] == effects  # in order
    first = sorted(read.outbox)[0]
    store.clear_run_effects("run1", [first])  # carried out one by one: the rest stays
    partly = store.get_run("run1")
    assert partly is not None
    assert [effect for _, effect in effects_from_outbox(partly.outbox)] == effects[1:]
    store.clear_run_effects("run1", list(read.outbox))
    store.clear_run_effects("run1", list(read.outbox))  # a retry's clear is no error
    cleared = store.get_run("run1")
    assert cleared is not None
    assert cleared.outbox == {}


def test_a_queued_run_and_its_place_are_written_together(store: SequencingStore) -> None:
    assert store.create_run(run(1))
    assert not store.create_run(run(1))  # the same trigger again: no second place in the queue
    assert store.claim_next(SCOPE) == "run1"
    assert store.lock_holder(SCOPE) == "run1"
    store.release(SCOPE, "run1")
    assert store.claim_next(SCOPE) is None
    assert store.lock_holder(SCOPE) is None


def test_a_run_created_again_after_it_was_claimed_is_not_queued_again(
    store: SequencingStore,
) -> None:
    store.create_run(run(1))
    assert store.claim_next(SCOPE) == "run1"
    assert not store.create_run(run(1))  # the trigger redelivered while the run runs
    store.release(SCOPE, "run1")
    assert store.claim_next(SCOPE) is None


def test_trigger_times_in_other_offsets_queue_in_time_order(store: SequencingStore) -> None:
    late = run(1).model_copy(update={"created": "2026-01-01T01:00:00.000+02:00"})  # 23:00 Z
    early = run(2).model_copy(update={"created": "2026-01-01T00:30:00Z"})
    store.create_run(late)
    store.create_run(early)
    assert store.claim_next(SCOPE) == "run1"  # 2025-12-31T23:00Z comes first


def test_a_paused_context_pauses_runs_of_its_stages(store: SequencingStore) -> None:
    assert not store.context_paused("ctx", "dev")
    store.set_context_pause("ctx", "dev", True)
    assert store.context_paused("ctx", "dev")
    assert not store.context_paused("ctx", "prod")
    assert not store.context_paused("other", "dev")
    store.set_context_pause("ctx", "dev", False)
    assert not store.context_paused("ctx", "dev")


def test_a_pause_of_every_stage_is_lifted_by_a_resume_of_every_stage(
    store: SequencingStore,
) -> None:
    store.set_context_pause("ctx", None, True)
    store.set_context_pause("ctx", "prod", True)
    assert store.context_paused("ctx", "dev")
    store.set_context_pause("ctx", "dev", False)  # a stage's resume leaves the context's pause
    assert store.context_paused("ctx", "dev")
    store.set_context_pause("ctx", None, False)
    assert not store.context_paused("ctx", "dev")
    assert not store.context_paused("ctx", "prod")
    store.set_context_pause("ctx", None, False)  # nothing left to lift: no error
    store.set_context_pause("ctx", "dev", False)


def test_a_run_is_created_only_while_its_contexts_pause_flags_are_as_read(
    store: SequencingStore,
) -> None:
    store.set_context_pause("ctx", None, True)  # every stage paused since the flags were read
    assert not store.create_run(run(1))
    assert store.get_run("run1") is None
    assert store.pause_flag("ctx", "dev") == "*"
    assert store.create_run(run(1).model_copy(update={"paused": True}), "*")
    store.set_context_pause("ctx", None, False)  # resumed since
    assert not store.create_run(run(2).model_copy(update={"paused": True}), "*")
    assert store.pause_flag("ctx", "dev") is None
    assert store.create_run(run(2))
    store.set_context_pause("ctx", "dev", True)
    assert store.pause_flag("ctx", "dev") == "dev"
    assert store.pause_flag("ctx", "prod") is None
