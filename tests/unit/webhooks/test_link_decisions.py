"""Opening and confirming approval links on the sequencing fakes: GET never decides, POST
decides once, and every other case gets its page."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain.signed_links import LinkClaims, sign
from chalicelib.services.webhooks.link_decisions import confirm, preview
from tests.unit.sequencing.flow import Flow

KEY = b"k" * 32


def waiting_approval() -> tuple[Flow, str]:
    flow = Flow()
    run = flow.run_of(flow.trigger())
    flow.answer(flow.dispatch(run.id, 0, "deployment"))
    return flow, flow.dispatch(run.id, 1, "approval")


def link(flow: Flow, approval: str, decision: str = "approve", hours: int = 1) -> str:
    expires = int((flow.clock() + timedelta(hours=hours)).timestamp())
    return sign(LinkClaims(approval, "shop", "dev", "cart", decision, expires), KEY)


def now(flow: Flow) -> int:
    return int(flow.clock().timestamp())


def test_opening_asks_to_confirm_and_decides_nothing() -> None:
    flow, approval = waiting_approval()
    page = preview(link(flow, approval), KEY, now(flow), flow.deps)
    assert (page.status, page.confirm) == (200, "Approve")
    assert page.text == "Approve the delivery of service cart in stage dev of project shop?"
    assert flow.published("approval.finished") == []


def test_confirming_decides_once_recorded_as_the_link_and_a_replay_is_refused() -> None:
    flow, approval = waiting_approval()
    token = link(flow, approval)
    page = confirm(token, KEY, now(flow), flow.deps)
    assert (page.status, page.title) == (200, "Delivery approved")
    [decided] = flow.published("approval.finished")
    assert decided.data["result"] == "pass"
    assert decided.data["approval"]["decidedBy"] == "approval-link"
    replayed = confirm(token, KEY, now(flow), flow.deps)
    assert (replayed.status, replayed.title) == (409, "This link was already used")
    assert "already decided (approve by approval-link" in replayed.text
    assert preview(token, KEY, now(flow), flow.deps).status == 409
    declined = confirm(link(flow, approval, "decline"), KEY, now(flow), flow.deps)
    assert declined.status == 409
    assert len(flow.published("approval.finished")) == 1


def test_a_decline_link_declines() -> None:
    flow, approval = waiting_approval()
    page = confirm(link(flow, approval, "decline"), KEY, now(flow), flow.deps)
    assert page.title == "Delivery declined"
    [decided] = flow.published("approval.finished")
    assert decided.data["result"] == "fail"


def test_expired_altered_unknown_and_ended_links_get_their_page() -> None:
    flow, approval = waiting_approval()
    expired = confirm(link(flow, approval, hours=-1), KEY, now(flow), flow.deps)
    assert (expired.status, expired.title) == (410, "This link has expired")
    altered = confirm(link(flow, approval), b"another key" * 3, now(flow), flow.deps)
    assert (altered.status, altered.title) == (403, "This link has been altered")
    unknown = preview(link(flow, "no-such-approval"), KEY, now(flow), flow.deps)
    assert (unknown.status, unknown.title) == (404, "No such approval")
    assert flow.published("approval.finished") == []
