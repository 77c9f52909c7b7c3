"""The uniform routes refuse what cannot work, naming it and the fix (never a 5xx); edits go
through the API; a `sh.keptn.log.error` event joins the integration log."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from qm.local.delivery import LambdaContext, handler_input, queued_handlers
from tests.integration.conftest import STAGE
from tests.integration.sequencing_harness import Harness, project_flow

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: test
    - name: hardening
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: test
"""
HEAD = 'version: "0.2.0"\nkind: Uniform\nmetadata:\n  name: shop\nspec:\n  services:\n'
JUNIT = (
    "    - name: junit\n      image: ghcr.io/acme/junit:1\n      events:\n"
    "        - name: sh.keptn.event.test.triggered\n"
)
SELENIUM = "    - name: selenium\n      image: ghcr.io/acme/selenium:4\n"


@pytest.fixture
def shop(aws: None) -> Iterator[Harness]:
    # Settings of a deployment on AWS (the local runtime's differ: see the e2e tests).
    with project_flow(SHIPYARD, start_settle_seconds=0, handler_delivery="sqs") as harness:
        yield harness


def put(shop: Harness, text: str, project: str = "shop") -> tuple[int, Any]:
    body = {"uniform": base64.b64encode(text.encode()).decode()}
    return shop.api.call("PUT", f"/v1/project/{project}/uniform", body)


@pytest.mark.parametrize(
    ("service", "message"),
    [
        (
            "    - name: runner\n      kind: process\n      command: [make, test]\n"
            "      events: [{name: sh.keptn.event.test.triggered}]\n",
            "service 'runner' on sh.keptn.event.test.triggered: kind process runs a command on "
            "the local runtime's machine and only there; on AWS use kind image",
        ),
        (
            "    - name: notify\n      kind: webhook\n      events:\n"
            "        - name: sh.keptn.event.test.triggered\n"
            "          selector: {matchLabels: {tier: web}}\n",
            "service 'notify' on sh.keptn.event.test.triggered: kind webhook without a hook runs "
            "the webhook.yaml entries of the event's service, stage or project, which a selector "
            "cannot narrow",
        ),
        (
            "    - name: t\n      image: x\n      events:\n"
            "        - name: sh.keptn.event.test.triggered\n          selector:\n"
            "            matchLabels: {tier: gold}\n"
            "            matchExpressions: [{key: tier, operator: DoesNotExist}]\n",
            "the selector can never match an event: label 'tier': matchLabels tier: gold; tier "
            "DoesNotExist",
        ),
        (
            "    - name: t\n      image: x\n      cpu: 300\n",
            "uniform.yaml: spec.services[0].cpu '300' (line 9): cpu 300 is not a Fargate size",
        ),
    ],
)
def test_what_cannot_work_is_refused_with_the_fix(
    shop: Harness, service: str, message: str
) -> None:
    status, error = put(shop, HEAD + service)

    assert status == 400, error
    assert message in error["message"]
    assert shop.api.call("GET", "/v1/project/shop/uniform")[1]["commitID"] == ""  # nothing kept


def test_a_lambda_service_is_refused_where_no_function_can_be_invoked(aws: None) -> None:
    with project_flow(
        SHIPYARD, start_settle_seconds=0, handler_delivery="sqs", lambda_targets=False
    ) as shop:
        status, error = put(
            shop,
            HEAD + "    - name: fn\n      function: deployer\n"
            "      events: [{name: sh.keptn.event.test.triggered}]\n",
        )
    assert status == 400
    assert (
        "kind lambda needs AWS Lambda; the local runtime cannot invoke functions"
        in (error["message"])
    )


def test_bodies_and_names_that_do_not_exist(shop: Harness) -> None:
    assert put(shop, HEAD + JUNIT, project="ghost")[0] == 404
    status, error = shop.api.call("PUT", "/v1/project/shop/uniform", {"uniform": "%%%"})
    assert (status, "not valid base64" in error["message"]) == (400, True)
    status, error = shop.api.call("DELETE", "/v1/project/shop/uniform")
    assert status == 404
    assert "has no uniform; apply one with qm apply uniform" in error["message"]
    status, error = shop.api.call("PATCH", "/v1/project/shop/uniform", {"edits": ["test+=x"]})
    assert status == 404
    assert "has no uniform to edit" in error["message"]


def test_edits_through_the_api_are_applied_as_a_new_commit(shop: Harness) -> None:
    first = put(shop, HEAD + JUNIT + SELENIUM)[1]["commitID"]

    status, edited = shop.api.call(
        "PATCH",
        "/v1/project/shop/uniform",
        {"stage": "hardening", "edits": ["test+=selenium", "test-=junit"]},
    )

    assert status == 200, edited
    assert edited["commitID"] > first
    assert edited["changes"] == [
        "selenium carries out sh.keptn.event.test.triggered in stage hardening",
        "junit no longer carries out sh.keptn.event.test.triggered in stage hardening",
    ]
    selectors = {s["owner"]: s["selector"] for s in edited["subscriptions"]}
    assert selectors == {
        "junit": {
            "matchLabels": {},
            "matchExpressions": [{"key": "stage", "operator": "NotIn", "values": ["hardening"]}],
        },
        "selenium": {
            "matchLabels": {},
            "matchExpressions": [{"key": "stage", "operator": "In", "values": ["hardening"]}],
        },
    }
    assert edited["uncovered"] == ["stage dev, sequence delivery: task deployment"]
    status, error = shop.api.call(
        "PATCH", "/v1/project/shop/uniform", {"stage": "qa", "edits": ["test+=junit"]}
    )
    assert status == 400
    assert "stage 'qa' is not in the shipyard; its stages are: dev, hardening" in error["message"]


def test_a_log_error_event_joins_the_integration_log_once(shop: Harness) -> None:
    event = {
        "specversion": "1.0",
        "source": "helm-service",
        "id": "log-1",
        "type": "sh.keptn.log.error",
        "shkeptncontext": "2d5a9f6e-1c3b-4f7a-9e8d-0a1b2c3d4e5f",
        "triggeredid": "t-1",
        "data": {"message": "helm upgrade failed", "IntegrationId": "helm-1", "task": "deployment"},
    }
    assert shop.api.call("POST", "/v1/event", event)[0] == 200
    sqs = boto3.client("sqs")
    (guard,) = [
        queued for queued in queued_handlers(sqs, STAGE) if queued.spec.name == "uniform-guard"
    ]
    (message,) = sqs.receive_message(QueueUrl=guard.queue_url).get("Messages", [])
    for _ in range(2):  # delivered twice, as at-least-once delivery may
        guard.handler(handler_input(guard.spec, message), LambdaContext("uniform-guard"))

    status, page = shop.api.call("GET", "/v1/log?integrationId=helm-1")
    assert status == 200
    (entry,) = page["logs"]
    assert (entry["message"], entry["task"], entry["triggeredid"]) == (
        "helm upgrade failed",
        "deployment",
        "t-1",
    )
