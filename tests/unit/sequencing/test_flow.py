"""A sequence from trigger to end on fakes: what a user sees (events, run states, the scope's
lock, the next run started), with duplicates and redeliveries after injected failures."""

from __future__ import annotations

import pytest

from chalicelib.domain.runs import RunState
from chalicelib.errors import DependencyFailure
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.dispatch import on_dispatch
from chalicelib.services.sequencing.ending import on_control
from chalicelib.services.sequencing.start import on_sequence_triggered
from tests.unit.sequencing.flow import CART, Flow


@pytest.fixture
def flow() -> Flow:
    return Flow()


def run_to_the_end(flow: Flow, run_id: str) -> None:
    flow.answer(flow.dispatch(run_id, 0, "deployment"))
    flow.answer(flow.dispatch(run_id, 1, "approval"), "approval")
    flow.finish(run_id)


def test_a_sequence_runs_its_tasks_ends_and_chains(flow: Flow) -> None:
    trigger = flow.trigger()
    run = flow.run_of(trigger)
    assert (run.state, flow.store.lock_holder(CART)) == (RunState.STARTED, run.id)
    execution = flow.workflows.executions[run.execution_arn or ""]
    assert execution.machine.startswith("qm-test-shop-dev-delivery_v")  # its commit's version
    assert execution.input == {"run": {"id": run.id}}
    unversioned = {name.rsplit("_v", 1)[0] for name in flow.workflows.machines}
    assert unversioned >= {"qm-test-shop-dev-delivery", "qm-test-shop-prod-delivery"}

    deployment = flow.dispatch(run.id, 0, "deployment")
    [sent] = flow.published("deployment.triggered")
    assert (sent.id, sent.shkeptncontext, sent.data["image"]) == (deployment, "ctx-1", "v1")
    flow.answer(deployment)
    assert execution.outputs == [{"result": "pass", "status": "succeeded"}]
    approval = flow.dispatch(run.id, 1, "approval")
    assert flow.run(run.id).state is RunState.WAITING_FOR_APPROVAL
    flow.answer(approval, "approval")
    flow.finish(run.id)

    ended = flow.run(run.id)
    assert (ended.state, ended.result, ended.status, ended.outbox) == (
        RunState.FINISHED,
        "pass",
        "succeeded",
        {},
    )
    assert [t.name for t in ended.completed] == ["deployment", "approval"]
    [finished] = flow.published("dev.delivery.finished")
    assert (finished.triggeredid, finished.data["result"]) == (trigger.id, "pass")
    [chained] = flow.published("prod.delivery.triggered")
    assert (chained.shkeptncontext, chained.data["stage"]) == ("ctx-1", "prod")
    assert flow.store.lock_holder(CART) is None


def test_a_failed_task_ends_the_sequence_with_its_result(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    flow.answer(flow.dispatch(run.id), result="fail")
    assert flow.workflows.executions[run.execution_arn or ""].outputs == [
        {"result": "fail", "status": "errored"}
    ]
    flow.finish(run.id)
    [finished] = flow.published("dev.delivery.finished")
    assert (finished.data["result"], finished.data["status"]) == ("fail", "errored")
    assert flow.published("prod.delivery.triggered") == []  # no chaining on fail


def test_a_trigger_for_a_missing_sequence_is_refused_with_keptns_message(flow: Flow) -> None:
    trigger = flow.trigger_event(1).model_copy(update={"type": "sh.keptn.event.dev.nope.triggered"})
    assert on_sequence_triggered(trigger, flow.deps) is None
    [refused] = flow.published("dev.nope.finished")
    assert refused.data["message"] == (
        "Unable to start sequence nope: no task sequence with name nope found in stage dev"
    )
    assert flow.store.runs_of_context("ctx-1") == []


def test_duplicates_change_nothing(flow: Flow) -> None:
    trigger = flow.trigger()
    assert on_sequence_triggered(trigger, flow.deps) is None  # the trigger delivered again
    run = flow.run_of(trigger)
    assert len(flow.workflows.executions) == 1
    message = flow.dispatch_message(run.id, 0, "deployment")
    triggered_id = on_dispatch(message, flow.deps)
    assert on_dispatch(message, flow.deps) == triggered_id  # the dispatch delivered again
    assert len(flow.published("deployment.triggered")) == 1
    answer = flow.answer_event(triggered_id or "", "deployment", "finished")
    completed = on_task_answer(answer, flow.deps)
    assert completed is not None
    assert on_task_answer(answer, flow.deps) is None  # the answer delivered again
    execution = flow.workflows.executions[run.execution_arn or ""]
    assert len(execution.outputs) == 1
    finish = flow.finish_message(run.id, execution.outputs[-1])
    on_control(finish, flow.deps)
    on_control(finish, flow.deps)  # the end delivered again
    assert len(flow.published("dev.delivery.finished")) == 1
    assert len(flow.published("prod.delivery.triggered")) == 1


def test_runs_of_a_scope_start_one_at_a_time_in_trigger_order(flow: Flow) -> None:
    third = flow.trigger(3)
    first = flow.trigger(1)  # delivered later, triggered earlier than the one waiting
    second = flow.trigger(2)
    runs = {n: flow.run_of(t) for n, t in ((1, first), (2, second), (3, third))}
    # The third came first and found the scope free: it runs; the others wait in time order.
    assert flow.store.lock_holder(CART) == runs[3].id
    assert [flow.run(runs[n].id).state for n in (1, 2)] == [RunState.TRIGGERED] * 2
    run_to_the_end(flow, runs[3].id)
    assert flow.store.lock_holder(CART) == runs[1].id
    assert flow.run(runs[1].id).state is RunState.STARTED
    run_to_the_end(flow, runs[1].id)
    assert flow.store.lock_holder(CART) == runs[2].id


def test_another_service_does_not_wait(flow: Flow) -> None:
    cart = flow.run_of(flow.trigger(1))
    payment = flow.run_of(flow.trigger(2, service="payment"))
    assert (cart.state, payment.state) == (RunState.STARTED, RunState.STARTED)


def test_a_lost_finished_event_is_sent_by_the_redelivered_end(flow: Flow) -> None:
    first = flow.run_of(flow.trigger(1))
    waiting = flow.run_of(flow.trigger(2))
    flow.answer(flow.dispatch(first.id, 0, "deployment"))
    flow.answer(flow.dispatch(first.id, 1, "approval"), "approval")
    flow.bus.failures = 1  # EventBridge fails right after the end was written
    with pytest.raises(DependencyFailure):
        flow.finish(first.id)
    assert flow.run(first.id).state is RunState.FINISHED
    assert flow.published("dev.delivery.finished") == []
    assert flow.store.lock_holder(CART) == first.id  # nothing after the failure happened
    flow.finish(first.id)  # the control message is delivered again
    assert len(flow.published("dev.delivery.finished")) == 1
    assert len(flow.published("prod.delivery.triggered")) == 1
    assert flow.run(first.id).outbox == {}
    assert flow.store.lock_holder(CART) == waiting.id
    assert flow.run(waiting.id).state is RunState.STARTED


def test_a_close_whose_answer_was_lost_resumes_the_run_on_redelivery(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    triggered_id = flow.dispatch(run.id)
    finished = flow.answer_event(triggered_id, "deployment", "finished")
    flow.store.crash_after("finish_alone")  # the one write that counts it and closes the task
    with pytest.raises(DependencyFailure):
        on_task_answer(finished, flow.deps)
    execution = flow.workflows.executions[run.execution_arn or ""]
    assert execution.outputs == []
    on_task_answer(finished, flow.deps)  # redelivered: counted before, closed before
    assert execution.outputs == [{"result": "pass", "status": "succeeded"}]
    task = flow.store.get_task(triggered_id)
    assert task is not None
    assert (task.open, task.finished, task.outbox) == (False, 1, {})


def test_a_task_event_lost_on_the_bus_is_sent_by_the_redelivered_dispatch(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    message = flow.dispatch_message(run.id, 0, "deployment")
    flow.bus.failures = 1
    with pytest.raises(DependencyFailure):
        on_dispatch(message, flow.deps)
    assert flow.published("deployment.triggered") == []
    on_dispatch(message, flow.deps)
    assert len(flow.published("deployment.triggered")) == 1
    assert flow.run(run.id).current is not None


def test_a_run_queued_by_a_crashed_trigger_is_started_by_its_redelivery(flow: Flow) -> None:
    trigger = flow.trigger_event()
    flow.store.crash_after("create_run")
    with pytest.raises(DependencyFailure):
        on_sequence_triggered(trigger, flow.deps)
    assert flow.workflows.executions == {}
    on_sequence_triggered(trigger, flow.deps)
    run = flow.run_of(trigger)
    assert run.state is RunState.STARTED
    assert flow.store.lock_holder(CART) == run.id


def test_a_lock_claimed_before_a_crash_is_started_by_the_redelivery(flow: Flow) -> None:
    trigger = flow.trigger_event()
    flow.store.crash_after("claim_next")
    with pytest.raises(DependencyFailure):
        on_sequence_triggered(trigger, flow.deps)
    run = flow.run_of(trigger)
    assert (run.state, flow.store.lock_holder(CART)) == (RunState.TRIGGERED, run.id)
    on_sequence_triggered(trigger, flow.deps)
    assert flow.run(run.id).state is RunState.STARTED
    assert len(flow.workflows.executions) == 1


# A machine compiled before its Task states had a heartbeat: the answer deadline is a
# delayed message (as for a task sent after its run was resumed).


def test_a_task_without_an_answer_in_time_times_the_run_out(flow: Flow) -> None:
    first = flow.run_of(flow.trigger(1))
    waiting = flow.run_of(flow.trigger(2))
    flow.dispatch(first.id, answer_seconds=None)
    assert flow.deadlines() == 0  # not due yet
    flow.clock.advance(601)
    assert flow.deadlines() == 1
    ended = flow.run(first.id)
    assert ended.state is RunState.TIMED_OUT
    [finished] = flow.published("dev.delivery.finished")
    assert finished.data["message"].startswith("sequence timed out while waiting for task")
    assert flow.workflows.executions[first.execution_arn or ""].status == "ABORTED"
    assert flow.store.lock_holder(CART) == waiting.id
    assert flow.deadlines() == 0  # the ended run's deadline came once


def test_an_answered_task_lets_its_deadline_pass(flow: Flow) -> None:
    run = flow.run_of(flow.trigger(1))
    triggered_id = flow.dispatch(run.id, answer_seconds=None)
    flow.answer(triggered_id)
    flow.clock.advance(601)
    assert flow.deadlines() == 1
    assert flow.published("dev.delivery.finished") == []  # answered in time: nothing ends


def test_a_deadline_beyond_what_one_delay_reaches_is_carried_forward(flow: Flow) -> None:
    run = flow.run_of(flow.trigger(1))
    triggered_id = flow.dispatch(run.id, answer_seconds=None)
    [(due, message)] = flow.timers.scheduled
    flow.timers.scheduled.clear()
    # A queue delivered it early (its delay stops at 15 minutes): the finisher waits on.
    on_control(dict(message), flow.deps)
    assert [m for _, m in flow.timers.scheduled] == [message]
    assert flow.store.get_task(triggered_id) is not None
    assert flow.run(run.id).state is RunState.STARTED
    flow.clock.now = due
    assert flow.deadlines() == 1
    assert flow.run(run.id).state is RunState.TIMED_OUT


def test_an_expiry_closes_the_task_it_names_not_the_next_one(flow: Flow) -> None:
    # `onTimeout: pass`: the machine reports the expiry and sends the next task at once, and
    # the next task's dispatch may be handled first.
    run = flow.run_of(flow.trigger(1))
    expired = flow.dispatch(run.id, 0, "deployment")
    following = flow.dispatch(run.id, 1, "test")
    timeout = {
        "kind": "timeout",
        "run": {"id": run.id},
        "index": 0,
        "task": "deployment",
        "timeoutSeconds": 60,
        "onTimeout": "pass",
    }
    on_control(timeout, flow.deps)
    closed, still_open = flow.store.get_task(expired), flow.store.get_task(following)
    assert closed is not None
    assert still_open is not None
    assert (closed.open, still_open.open) == (False, True)
    [finished] = flow.published("deployment.finished")
    assert finished.triggeredid == expired
    assert finished.data["message"].startswith("deployment expired: no answer within 60 s")
