"""The answer deadline as the state machine keeps it (its Task state's heartbeat, then a
`late` message with a new token), on fakes: a task nobody answered times its run out, an
answered one goes on waiting and is resumed through the new token, one that closed meanwhile
is resumed at once, and a held one keeps the deadline its release gave it."""

from __future__ import annotations

import pytest

from chalicelib.domain.runs import RunState
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.control import Control, control_context
from tests.unit.sequencing.flow import CART, WAIT, Flow


@pytest.fixture
def flow() -> Flow:
    return Flow()


def test_a_task_nobody_answered_by_its_deadline_times_the_run_out(flow: Flow) -> None:
    first = flow.run_of(flow.trigger(1))
    waiting = flow.run_of(flow.trigger(2))
    triggered_id = flow.dispatch(first.id)
    assert flow.timers.scheduled == []  # the machine keeps the deadline: no delayed message
    flow.late(first.id)
    assert flow.run(first.id).state is RunState.TIMED_OUT
    [finished] = flow.published("dev.delivery.finished")
    assert (finished.data["result"], finished.data["status"]) == ("fail", "errored")
    assert finished.data["message"] == (
        "sequence timed out while waiting for task sh.keptn.event.deployment.triggered to "
        "receive a correlating .started or .finished event"
    )
    assert flow.workflows.executions[first.execution_arn or ""].status == "ABORTED"
    assert flow.store.lock_holder(CART) == waiting.id  # the next run starts
    task = flow.store.get_task(triggered_id)
    assert task is not None
    assert not task.open  # a late answer changes nothing
    assert flow.published("prod.delivery.triggered") == []  # no chaining after a timeout


def test_a_started_task_goes_on_past_the_deadline_and_its_finished_resumes_it(
    flow: Flow,
) -> None:
    run = flow.run_of(flow.trigger())
    triggered_id = flow.dispatch(run.id)
    on_task_answer(flow.answer_event(triggered_id, "deployment", "started"), flow.deps)
    token = flow.late(run.id)  # Keptn: no deadline once a task has started
    assert flow.run(run.id).state is RunState.STARTED
    assert flow.published("dev.delivery.finished") == []
    on_task_answer(flow.answer_event(triggered_id, "deployment", "finished"), flow.deps)
    assert token in flow.workflows.used  # the token the execution waits on now
    execution = flow.workflows.executions[run.execution_arn or ""]
    assert execution.outputs == [{"result": "pass", "status": "succeeded"}]


def test_a_task_that_closed_as_its_deadline_passed_is_resumed_at_once(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    triggered_id = flow.dispatch(run.id)
    flow.answer(triggered_id)  # resumed through the first token ...
    execution = flow.workflows.executions[run.execution_arn or ""]
    execution.outputs.clear()  # ... which the heartbeat's timeout had made useless meanwhile
    token = flow.late(run.id)
    assert token in flow.workflows.used
    assert execution.outputs == [{"result": "pass", "status": "succeeded"}]
    assert flow.run(run.id).state is RunState.STARTED


def test_a_held_task_keeps_waiting_and_times_out_by_the_deadline_of_its_release(
    flow: Flow,
) -> None:
    run = flow.run_of(flow.trigger())
    control_context("shop", "ctx-1", Control.PAUSE, None, flow.deps)
    triggered_id = flow.dispatch(run.id)
    flow.clock.advance(WAIT)
    flow.late(run.id)  # held all along: nobody could have answered
    assert flow.run(run.id).state is RunState.STARTED
    control_context("shop", "ctx-1", Control.RESUME, None, flow.deps)
    assert [e.id for e in flow.published("deployment.triggered")] == [triggered_id]
    flow.clock.advance(WAIT - 1)
    flow.deadlines()
    assert flow.run(run.id).state is RunState.STARTED  # its own deadline runs from the release
    flow.clock.advance(2)
    flow.deadlines()
    assert flow.run(run.id).state is RunState.TIMED_OUT


def test_a_late_message_delivered_twice_ends_the_run_once(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    flow.dispatch(run.id)
    flow.late(run.id)
    flow.late(run.id)
    assert len(flow.published("dev.delivery.finished")) == 1
    assert flow.run(run.id).outbox == {}
