"""Human decisions on approvals (services/approvals/decisions.decide) on fakes: one decision per
approval, sent as approval.finished, the run going on when it is counted, and a retry after
the decision's event was lost finishing the work."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.runs import RunState
from chalicelib.errors import Conflict, DependencyFailure, Gone, InvalidInput, NotFound
from chalicelib.services.approvals.decisions import DECISION_SOURCE, decide
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.control import Control, control_context
from tests.unit.sequencing.flow import Flow


@pytest.fixture
def flow() -> Flow:
    return Flow()


def waiting_approval(flow: Flow) -> tuple[str, str]:
    """(run id, approval id) of a run waiting for a human."""
    run = flow.run_of(flow.trigger())
    flow.answer(flow.dispatch(run.id, 0, "deployment"))
    return run.id, flow.dispatch(run.id, 1, "approval")


def decide_as(
    flow: Flow, approval: str, body: dict[str, Any], stage: str = "dev"
) -> dict[str, str]:
    return decide(("shop", stage, None), approval, body, "ops-token", flow.deps)


def test_an_approval_sends_its_finished_and_the_run_goes_on(flow: Flow) -> None:
    run_id, approval = waiting_approval(flow)
    assert flow.run(run_id).state is RunState.WAITING_FOR_APPROVAL
    decided = decide_as(flow, approval, {"decision": "approve", "comment": "looks good"})
    assert decided == {
        "keptnContext": "ctx-1",
        "decision": "approve",
        "decidedBy": "ops-token",
        "decidedAt": "2026-01-01T12:00:00.000Z",
        "comment": "looks good",
    }
    [answer] = flow.published("approval.finished")
    assert (answer.source, answer.triggeredid, answer.data["result"]) == (
        DECISION_SOURCE,
        approval,
        "pass",
    )
    assert answer.data["message"] == "looks good"
    on_task_answer(answer, flow.deps)  # the decision comes back from the bus
    execution = flow.workflows.executions[flow.run(run_id).execution_arn or ""]
    assert execution.outputs[-1] == {"result": "pass", "status": "succeeded"}


def test_a_decline_fails(flow: Flow) -> None:
    _, approval = waiting_approval(flow)
    decide_as(flow, approval, {"decision": "decline"})
    [answer] = flow.published("approval.finished")
    assert (answer.data["result"], answer.data["message"]) == ("fail", "declined by ops-token")


def test_a_second_decision_is_refused_naming_the_first(flow: Flow) -> None:
    _, approval = waiting_approval(flow)
    decide_as(flow, approval, {"decision": "approve"})
    with pytest.raises(Conflict) as refused:
        decide_as(flow, approval, {"decision": "decline"})
    assert str(refused.value) == (
        f"approval {approval} was already decided (approve by ops-token at "
        "2026-01-01T12:00:00.000Z); a decision cannot be changed"
    )
    assert len(flow.published("approval.finished")) == 1


def test_a_decision_lost_on_the_bus_is_sent_by_the_retry(flow: Flow) -> None:
    _, approval = waiting_approval(flow)
    flow.bus.failures = 1
    with pytest.raises(DependencyFailure):
        decide_as(flow, approval, {"decision": "approve"})
    assert flow.published("approval.finished") == []
    with pytest.raises(Conflict):  # the user retries: the first decision stands and is sent
        decide_as(flow, approval, {"decision": "approve"})
    [answer] = flow.published("approval.finished")
    assert answer.data["result"] == "pass"
    task = flow.store.get_task(approval)
    assert task is not None
    assert task.outbox == {}


def test_bad_decisions_name_the_field(flow: Flow) -> None:
    _, approval = waiting_approval(flow)
    with pytest.raises(InvalidInput, match="decision 'maybe' is not one of: approve, decline"):
        decide_as(flow, approval, {"decision": "maybe"})
    with pytest.raises(InvalidInput, match="comment must be text"):
        decide_as(flow, approval, {"decision": "approve", "comment": 3})
    assert flow.published("approval.finished") == []


def test_an_approval_elsewhere_or_unknown_is_not_found(flow: Flow) -> None:
    run_id, approval = waiting_approval(flow)
    with pytest.raises(NotFound, match="no approval with id nope in project 'shop', stage 'dev'"):
        decide_as(flow, "nope", {"decision": "approve"})
    with pytest.raises(NotFound, match="stage 'prod'"):
        decide_as(flow, approval, {"decision": "approve"}, stage="prod")
    deployment = flow.run(run_id).completed[0].triggered_id
    with pytest.raises(NotFound):  # not an approval
        decide_as(flow, deployment, {"decision": "approve"})


def test_an_approval_of_an_aborted_run_is_gone(flow: Flow) -> None:
    _, approval = waiting_approval(flow)
    control_context("shop", "ctx-1", Control.ABORT, None, flow.deps)
    with pytest.raises(Gone, match="no longer open"):
        decide_as(flow, approval, {"decision": "approve"})
    assert flow.published("approval.finished") == []


def test_a_tools_answer_first_leaves_no_room_for_a_decision(flow: Flow) -> None:
    _, approval = waiting_approval(flow)
    on_task_answer(flow.answer_event(approval, "approval", "finished"), flow.deps)
    with pytest.raises(Conflict, match=f"approval {approval} was already decided; a decision"):
        decide_as(flow, approval, {"decision": "decline"})
    assert flow.published("approval.finished") == []
