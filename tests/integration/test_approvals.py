"""Approvals on moto: Keptn's matrix, human decisions (API and event), expiry, skip."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import build_aws_container, sequencing_deps, use_container
from chalicelib.errors import Conflict
from chalicelib.services.approvals.decisions import decide
from chalicelib.services.auth import issue_token
from chalicelib.settings import Settings
from tests.integration.api_helpers import Api, b64
from tests.integration.conftest import STAGE
from tests.integration.sequencing_harness import Harness

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-shop
spec:
  stages:
    - name: dev
      sequences:
        - name: gated
          tasks:
            # A tool's gate, standing in for the lighthouse so the test picks the result.
            - name: quality-check
            - name: approval
              properties:
                pass: automatic
                warning: manual
            - name: deployment
        - name: manual
          tasks:
            - name: approval
            - name: deployment
        - name: expiring
          tasks:
            - name: approval
              properties:
                timeout: 1s
            - name: deployment
        - name: lenient
          tasks:
            - name: approval
              properties:
                timeout: 1s
                onTimeout: pass
            - name: deployment
        - name: always-automatic
          tasks:
            - name: approval
              properties:
                pass: automatic
                warning: automatic
        - name: always-manual
          tasks:
            - name: approval
              properties:
                pass: manual
                warning: manual
        - name: unset
          tasks:
            - name: approval
        - name: flaky
          tasks:
            - name: test
            - name: deployment
"""


@pytest.fixture
def flow(aws: None) -> Iterator[Harness]:
    container = build_aws_container(Settings(stage=STAGE, start_settle_seconds=0))
    use_container(container)
    token = issue_token(container.tokens, "alice")
    with Client(app) as client:
        harness = Harness(Api(client, token))
        harness.create_project(SHIPYARD, services=("cart", "payment"))
        yield harness
    use_container(None)


def decision(flow: Harness, approval: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    path = f"/v1/project/shop/stage/dev/service/cart/approval/{approval['id']}"
    return flow.api.call("POST", path, body)


def of_type(flow: Harness, context: str, suffix: str) -> list[dict[str, Any]]:
    return [e for e in flow.events(context) if e["type"] == f"sh.keptn.event.{suffix}"]


def test_an_automatic_approval_passes_on_pass(flow: Harness) -> None:
    context = flow.trigger("dev", "gated")
    flow.answer(flow.wait_task(context, "quality-check"))
    assert flow.wait_task(context, "deployment")
    started = of_type(flow, context, "approval.started")
    assert started[0]["data"]["message"] == "Approval strategy for result 'pass': automatic"


def test_a_warning_waits_for_a_human_with_a_notification(flow: Harness) -> None:
    context = flow.trigger(
        "dev", "gated", data={"configurationChange": {"values": {"image": "cart:9"}}}
    )
    flow.answer(
        flow.wait_task(context, "quality-check"),
        result="warning",
        data={"evaluation": {"result": "warning", "score": 80}},
    )
    approval = flow.wait_task(context, "approval")
    waiting = flow.pump(lambda: of_type(flow, context, "approval.waiting"))[0]
    assert waiting["triggeredid"] == approval["id"]
    assert waiting["data"]["evaluation"] == {"result": "warning", "score": 80}
    assert waiting["data"]["configurationChange"]["values"]["image"] == "cart:9"
    _, open_ = flow.api.call(
        "GET", "/v1/event/triggered/sh.keptn.event.approval.triggered?project=shop&stage=dev"
    )
    assert [e["id"] for e in open_["events"]] == [approval["id"]]
    state = flow.api.call("GET", f"/v1/sequence/shop?keptnContext={context}")[1]["states"][0]
    assert state["state"] == "waitingForApproval"
    flow.settle()
    assert flow.triggered(context, "deployment") == []


def test_an_approval_after_a_failure_fails_the_sequence(flow: Harness) -> None:
    context = flow.trigger("dev", "manual", data={"result": "fail"})
    finished = flow.wait_finished(context, "dev", "manual")
    assert finished["data"]["result"] == "fail"
    assert flow.triggered(context, "deployment") == []


def test_an_event_decision_records_the_sender(flow: Harness) -> None:
    context = flow.trigger("dev", "manual")
    approval = flow.wait_task(context, "approval")
    flow.answer(approval, started=False, source="keptn-cli")
    flow.wait_task(context, "deployment")
    sent = [e for e in of_type(flow, context, "approval.finished") if e["source"] == "keptn-cli"]
    assert sent[0]["qmsubmitter"] == "alice"


def test_approve_through_the_api_records_who_when_and_why(flow: Harness) -> None:
    context = flow.trigger("dev", "manual")
    approval = flow.wait_task(context, "approval")
    flow.pump(lambda: of_type(flow, context, "approval.started"))
    status, body = decision(flow, approval, {"decision": "approve", "comment": "looks good"})
    assert status == 200
    assert (body["decision"], body["decidedBy"], body["comment"]) == (
        "approve",
        "alice",
        "looks good",
    )
    assert flow.wait_task(context, "deployment")
    finished = [
        e for e in of_type(flow, context, "approval.finished") if e["source"] != "approval-service"
    ]
    assert finished[0]["data"]["result"] == "pass"
    assert finished[0]["data"]["approval"]["decidedBy"] == "alice"
    again = decision(flow, approval, {"decision": "decline"})
    assert again[0] == 409
    assert "already decided (approve by alice" in again[1]["message"]


def test_approve_through_a_keptn_event_and_decline(flow: Harness) -> None:
    context = flow.trigger("dev", "manual")
    approval = flow.wait_task(context, "approval")
    flow.answer(
        approval, started=False, source="keptn-cli"
    )  # Keptn's `send event approval.finished`
    assert flow.wait_task(context, "deployment")
    other = flow.trigger("dev", "manual", service="payment")  # cart's run is still deploying
    declined = flow.wait_task(other, "approval")
    flow.pump(lambda: of_type(flow, other, "approval.started"))
    path = f"/v1/project/shop/stage/dev/service/payment/approval/{declined['id']}"
    assert flow.api.call("POST", path, {"decision": "decline"})[0] == 200
    assert flow.wait_finished(other, "dev", "manual")["data"]["result"] == "fail"


def test_unknown_and_bad_decisions(flow: Harness) -> None:
    assert decision(flow, {"id": "nope"}, {"decision": "approve"})[0] == 404
    context = flow.trigger("dev", "manual")
    approval = flow.wait_task(context, "approval")
    bad = decision(flow, approval, {"decision": "maybe"})
    assert bad[0] == 400
    assert "approve, decline" in bad[1]["message"]
    wrong_stage = flow.api.call(
        "POST", f"/v1/project/shop/stage/prod/approval/{approval['id']}", {"decision": "approve"}
    )
    assert wrong_stage[0] == 404


def test_an_expired_approval_fails_by_default_and_is_gone(flow: Harness) -> None:
    context = flow.trigger("dev", "expiring")
    approval = flow.wait_task(context, "approval")
    finished = flow.wait_finished(context, "dev", "expiring")
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    expiry = next(
        e
        for e in of_type(flow, context, "approval.finished")
        if "expired" in e["data"].get("message", "")
    )
    assert expiry["data"]["message"].startswith("approval expired: no answer within 1 s")
    assert decision(flow, approval, {"decision": "approve"})[0] == 410
    assert flow.triggered(context, "deployment") == []


def test_an_expired_approval_with_on_timeout_pass_goes_on(flow: Harness) -> None:
    context = flow.trigger("dev", "lenient")
    flow.wait_task(context, "approval")
    assert flow.wait_task(context, "deployment")


def test_twenty_concurrent_decisions_make_exactly_one(flow: Harness) -> None:
    context = flow.trigger("dev", "manual")
    approval = flow.wait_task(context, "approval")
    flow.pump(lambda: of_type(flow, context, "approval.started"))
    deps = sequencing_deps()
    outcomes: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        body = {"decision": "approve" if n % 2 else "decline"}
        try:
            decide(("shop", "dev", "cart"), approval["id"], body, f"user{n}", deps)
            result = "decided"
        except Conflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 19 + ["decided"]
    flow.settle()
    decided = [
        e for e in of_type(flow, context, "approval.finished") if e["source"] != "approval-service"
    ]
    assert len(decided) == 1


def test_skip_completes_a_waiting_task_with_the_reason(flow: Harness) -> None:
    context = flow.trigger("dev", "flaky")
    flow.wait_task(context, "test")
    status, body = flow.api.call(
        "POST", f"/v1/sequence/shop/{context}/control", {"state": "skip", "reason": "known flaky"}
    )
    assert (status, body["message"]) == (200, "skipped test")
    deployment = flow.wait_task(context, "deployment")
    assert deployment["data"]["result"] == "pass"
    skipped = of_type(flow, context, "test.finished")
    assert skipped[0]["data"]["message"] == "skipped by alice: known flaky"


@pytest.mark.parametrize(
    ("sequence", "result", "outcome"),
    [
        ("always-automatic", "pass", "pass"),
        ("always-automatic", "warning", "pass"),
        ("always-automatic", "fail", "fail"),
        ("always-automatic", "", "wait"),
        ("always-manual", "pass", "wait"),
        ("always-manual", "warning", "wait"),
        ("always-manual", "fail", "fail"),
        ("always-manual", "", "wait"),
        ("unset", "pass", "wait"),  # Keptn's code: no setting means manual
        ("unset", "warning", "wait"),
        ("unset", "fail", "fail"),
        ("unset", "", "wait"),
    ],
)
def test_every_cell_of_the_approval_matrix(
    flow: Harness, sequence: str, result: str, outcome: str
) -> None:
    context = flow.trigger("dev", sequence, data={"result": result} if result else {})
    approval = flow.wait_task(context, "approval")
    if outcome == "wait":
        flow.pump(lambda: of_type(flow, context, "approval.waiting"))
        flow.settle(0.3)
        assert flow.finished(context, "dev", sequence) is None
        assert decision(flow, approval, {"decision": "approve"})[0] == 200
        outcome = "pass"
    finished = flow.wait_finished(context, "dev", sequence)
    assert finished["data"]["result"] == outcome
    expected = (
        "automatic" if sequence == "always-automatic" and result in ("pass", "warning") else None
    )
    started = of_type(flow, context, "approval.started")[0]["data"]["message"]
    if expected:
        assert started == f"Approval strategy for result '{result}': automatic"


def put_cart_file(flow: Harness, uri: str, text: str) -> str:
    """Write one of cart's files in dev; the commit id it made."""
    path = f"/v1/project/shop/stage/dev/service/cart/resource/{uri}"
    status, body = flow.api.call("PUT", path, {"resourceContent": b64(text)})
    assert status == 200, body
    return str(body["commitID"])


def waiting_of(flow: Harness, context: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = flow.pump(lambda: of_type(flow, context, "approval.waiting"))
    return found[0]


def deliver_approved(flow: Harness, context: str) -> None:
    """Approve the waiting approval of `context` and deploy successfully."""
    approval = flow.wait_task(context, "approval")
    waiting_of(flow, context)
    assert decision(flow, approval, {"decision": "approve"})[0] == 200
    flow.answer(flow.wait_task(context, "deployment"))
    assert flow.wait_finished(context, "dev", "manual")["data"]["result"] == "pass"


def test_the_first_approval_shows_every_file_as_added(flow: Harness) -> None:
    commit = put_cart_file(flow, "values.yaml", "image: cart:1\nreplicas: 1\n")
    context = flow.trigger("dev", "manual")
    waiting = waiting_of(flow, context)
    diff = waiting["data"]["configurationDiff"]
    assert (diff["fromCommit"], diff["toCommit"], diff["truncated"]) == (None, commit, False)
    assert diff["files"] == [
        {
            "uri": "values.yaml",
            "change": "added",
            "diff": "--- /dev/null\n+++ b/values.yaml\n@@ -0,0 +1,2 @@\n"
            "+image: cart:1\n+replicas: 1\n",
        }
    ]


def test_an_approval_shows_the_configuration_diff_since_the_last_deployment(
    flow: Harness,
) -> None:
    put_cart_file(flow, "values.yaml", "image: cart:1\nreplicas: 1\nlog: info\n")
    deployed = put_cart_file(flow, "notes.txt", "first release\n")  # the head the run pins
    first = flow.trigger("dev", "manual")
    deliver_approved(flow, first)

    removed = flow.api.call("DELETE", "/v1/project/shop/stage/dev/service/cart/resource/notes.txt")
    assert removed[0] == 200, removed
    put_cart_file(flow, "runbook.md", "# Rollback\n")
    approved = put_cart_file(flow, "values.yaml", "image: cart:2\nreplicas: 1\nlog: info\n")
    second = flow.trigger("dev", "manual")
    waiting = waiting_of(flow, second)

    diff = waiting["data"]["configurationDiff"]
    assert (diff["fromCommit"], diff["toCommit"]) == (deployed, approved)
    assert waiting["gitcommitid"] == approved
    files = {f["uri"]: f for f in diff["files"]}
    assert {uri: f["change"] for uri, f in files.items()} == {
        "notes.txt": "removed",
        "runbook.md": "added",
        "values.yaml": "changed",
    }
    assert "-image: cart:1\n+image: cart:2\n replicas: 1\n" in files["values.yaml"]["diff"]
    assert files["notes.txt"]["diff"].endswith("-first release\n")
    assert diff["truncated"] is False


def test_a_failed_deployment_is_not_the_baseline(flow: Harness) -> None:
    put_cart_file(flow, "values.yaml", "image: cart:1\n")
    first = flow.trigger("dev", "manual")
    approval = flow.wait_task(first, "approval")
    assert decision(flow, approval, {"decision": "approve"})[0] == 200
    flow.answer(flow.wait_task(first, "deployment"), result="fail")
    assert flow.wait_finished(first, "dev", "manual")["data"]["result"] == "fail"

    put_cart_file(flow, "values.yaml", "image: cart:2\n")
    second = flow.trigger("dev", "manual")
    diff = waiting_of(flow, second)["data"]["configurationDiff"]
    # cart:1 never reached dev: the person approves everything since nothing.
    assert diff["fromCommit"] is None
    assert diff["files"][0]["change"] == "added"
    assert "+image: cart:2\n" in diff["files"][0]["diff"]
