"""Pause, resume, abort and skip (control_context) on fakes: held tasks, stopped executions,
freed scopes, late answers ignored, and retries after an injected failure."""

from __future__ import annotations

import pytest

from chalicelib.domain.runs import RunState
from chalicelib.errors import DependencyFailure, NotFound
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.control import Control, abort_project_runs, control_context
from chalicelib.services.sequencing.dispatch import on_dispatch
from chalicelib.services.sequencing.start import on_sequence_triggered
from tests.unit.sequencing.flow import CART, Flow


@pytest.fixture
def flow() -> Flow:
    return Flow()


def control(flow: Flow, context: str, command: Control, stage: str | None = None) -> str:
    return control_context("shop", context, command, stage, flow.deps, who="ops", reason="why")


def test_a_paused_run_holds_its_next_task_until_resumed(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    assert control(flow, "ctx-1", Control.PAUSE) == (
        "paused 1 sequence(s); running tasks finish, the next ones wait"
    )
    assert flow.run(run.id).paused
    triggered_id = flow.dispatch(run.id)
    assert flow.published("deployment.triggered") == []  # held
    held = flow.store.get_task(triggered_id)
    assert held is not None
    assert held.held
    assert control(flow, "ctx-1", Control.RESUME) == "resumed 1 sequence(s)"
    [sent] = flow.published("deployment.triggered")
    assert sent.id == triggered_id
    released = flow.store.get_task(triggered_id)
    assert released is not None
    assert (released.held, released.outbox) == (False, {})
    assert not flow.run(run.id).paused
    assert control(flow, "ctx-1", Control.RESUME) == "nothing to resume: not paused"
    assert len(flow.published("deployment.triggered")) == 1


def test_a_stage_reached_while_its_context_is_paused_starts_paused(flow: Flow) -> None:
    flow.trigger()
    control(flow, "ctx-1", Control.PAUSE)
    prod = flow.trigger_event(1, stage="prod").model_copy(update={"id": "chained"})
    created = on_sequence_triggered(prod, flow.deps)
    assert created is not None
    assert flow.run(created.id).paused


def test_a_resume_whose_event_was_lost_sends_it_when_retried(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    control(flow, "ctx-1", Control.PAUSE)
    flow.dispatch(run.id)
    flow.bus.failures = 1
    with pytest.raises(DependencyFailure):
        control(flow, "ctx-1", Control.RESUME)
    assert flow.published("deployment.triggered") == []
    control(flow, "ctx-1", Control.RESUME)  # the user tries again
    assert len(flow.published("deployment.triggered")) == 1


def test_an_abort_ends_the_run_stops_it_and_starts_the_next(flow: Flow) -> None:
    run = flow.run_of(flow.trigger(1))
    waiting = flow.run_of(flow.trigger(2))
    triggered_id = flow.dispatch(run.id)
    assert control(flow, "ctx-1", Control.ABORT) == "aborted 1 sequence(s)"
    ended = flow.run(run.id)
    assert (ended.state, ended.outbox) == (RunState.ABORTED, {})
    [finished] = flow.published("dev.delivery.finished")
    assert (finished.data["result"], finished.data["status"]) == ("pass", "aborted")
    execution = flow.workflows.executions[run.execution_arn or ""]
    assert (execution.status, execution.stop_cause) == ("ABORTED", "aborted by a user")
    assert flow.store.lock_holder(CART) == waiting.id
    assert flow.run(waiting.id).state is RunState.STARTED
    assert flow.published("prod.delivery.triggered") == []  # no chaining after an abort
    late = flow.answer_event(triggered_id, "deployment", "finished")
    assert on_task_answer(late, flow.deps) is None
    assert execution.outputs == []
    assert control(flow, "ctx-1", Control.ABORT) == (
        "nothing to abort: every sequence of context ctx-1 has ended"
    )


def test_a_run_aborted_while_queued_never_starts(flow: Flow) -> None:
    first = flow.run_of(flow.trigger(1))
    queued = flow.run_of(flow.trigger(2))
    third = flow.run_of(flow.trigger(3))
    control(flow, "ctx-2", Control.ABORT)
    assert flow.run(queued.id).state is RunState.ABORTED
    assert flow.store.lock_holder(CART) == first.id  # the running one goes on
    [finished] = flow.published("dev.delivery.finished")
    assert finished.triggeredid == "trigger-2"
    flow.answer(flow.dispatch(first.id, 0, "deployment"))
    flow.answer(flow.dispatch(first.id, 1, "approval"), "approval")
    flow.finish(first.id)
    assert flow.store.lock_holder(CART) == third.id
    assert flow.run(queued.id).execution_arn is None
    assert all(e.name != queued.id for e in flow.workflows.executions.values())


def test_an_abort_whose_end_was_lost_on_the_bus_finishes_when_retried(flow: Flow) -> None:
    run = flow.run_of(flow.trigger(1))
    waiting = flow.run_of(flow.trigger(2))
    flow.answer(flow.dispatch(run.id), "deployment")
    approval = flow.dispatch(run.id, 1, "approval")
    flow.store.count_answer(approval, "approval", "started", "tool/a1", {})  # not overdue
    flow.bus.failures = 1  # the API answers 503: the user tries again
    with pytest.raises(DependencyFailure):
        control(flow, "ctx-1", Control.ABORT)
    assert flow.run(run.id).state is RunState.ABORTED
    assert flow.store.lock_holder(CART) == run.id
    control(flow, "ctx-1", Control.ABORT)
    assert len(flow.published("dev.delivery.finished")) == 1
    assert flow.workflows.executions[run.execution_arn or ""].status == "ABORTED"
    assert flow.store.lock_holder(CART) == waiting.id
    assert flow.run(run.id).outbox == {}


def test_a_skip_completes_the_waiting_task_as_passed(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    triggered_id = flow.dispatch(run.id)
    assert control(flow, "ctx-1", Control.SKIP) == "skipped deployment"
    [finished] = flow.published("deployment.finished")
    assert (finished.triggeredid, finished.data["message"]) == (triggered_id, "skipped by ops: why")
    execution = flow.workflows.executions[run.execution_arn or ""]
    assert execution.outputs == [{"result": "pass", "status": "succeeded"}]
    assert control(flow, "ctx-1", Control.SKIP).startswith("nothing to skip")
    # The next task is sent with the skipped one's result, which the run now records.
    flow.dispatch(run.id, 1, "approval")
    [approval] = flow.published("approval.triggered")
    assert (approval.data["result"], approval.data["status"]) == ("pass", "succeeded")
    assert [t.name for t in flow.run(run.id).completed] == ["deployment"]


def test_an_approval_is_not_skipped(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    flow.answer(flow.dispatch(run.id, 0, "deployment"))
    flow.dispatch(run.id, 1, "approval")
    assert control(flow, "ctx-1", Control.SKIP) == (
        "nothing to skip: no task is waiting (approvals are decided, not skipped)"
    )


def test_controls_name_what_was_not_found(flow: Flow) -> None:
    flow.trigger()
    with pytest.raises(NotFound, match="keptn context 'nope' has no sequence in project 'shop'"):
        control(flow, "nope", Control.PAUSE)
    with pytest.raises(NotFound, match="in stage 'prod'"):
        control(flow, "ctx-1", Control.ABORT, stage="prod")


def test_a_dispatch_after_the_abort_stops_the_execution_there(flow: Flow) -> None:
    run = flow.run_of(flow.trigger())
    message = flow.dispatch_message(run.id, 0, "deployment")
    control(flow, "ctx-1", Control.ABORT)
    assert on_dispatch(message, flow.deps) is None
    assert flow.published("deployment.triggered") == []


def test_a_deleted_projects_runs_are_aborted_queued_first_and_none_starts(flow: Flow) -> None:
    running = flow.run_of(flow.trigger(1))
    queued = [flow.run_of(flow.trigger(n)) for n in (2, 3)]
    flow.dispatch(running.id)
    assert abort_project_runs("shop", flow.deps) == 3
    for run in (running, *queued):
        assert flow.run(run.id).state is RunState.ABORTED
    execution = flow.workflows.executions[running.execution_arn or ""]
    assert (execution.status, execution.stop_cause) == ("ABORTED", "project 'shop' was deleted")
    # Queued runs ended before the running one freed the scope: nothing was started for them.
    assert all(flow.run(run.id).execution_arn is None for run in queued)
    assert flow.store.lock_holder(CART) is None
    messages = {e.data["message"] for e in flow.published("dev.delivery.finished")}
    assert messages == {"sequence aborted: project 'shop' was deleted"}
    assert abort_project_runs("shop", flow.deps) == 0  # a retried deletion
