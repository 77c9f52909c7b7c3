"""The uniform and the webhook executor, on moto with a real HTTP receiver on 127.0.0.1
(reachable only through the allow setting, as webhooks.md says): a service's `hook` gets its
events through its rule and the `webhooks` function (the CloudEvent as the body, one `.started`,
a 2xx answer passes the task), and `webhook.yaml` entries count as the executors of the tasks they
name, at apply and when a run reaches them."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.integration.sequencing_harness import Harness, project_flow
from tests.integration.test_uniform_runs import DEPLOYER, SHIPYARD, uniform
from tests.integration.test_uniform_runs import tools_bus as tools_bus  # a fixture

WEBHOOK_YAML = """\
apiVersion: webhookconfig.keptn.sh/v1beta1
kind: WebhookConfig
metadata: {name: webhook-configuration}
spec:
  webhooks:
    - type: sh.keptn.event.test.triggered
      sendFinished: true
      requests:
        - url: {url}/smoke/{{.data.service}}
          method: POST
          payload: '{"triggeredid": "{{.id}}"}'
"""


@pytest.fixture
def shop(aws: None, tools_bus: str) -> Iterator[Harness]:
    with project_flow(
        SHIPYARD,
        start_settle_seconds=0,
        handler_delivery="sqs",
        lambda_targets=False,
        webhook_allow="127.0.0.1/32",
    ) as harness:
        yield harness


def apply(shop: Harness, text: str) -> dict[str, Any]:
    body = {"uniform": base64.b64encode(text.encode()).decode()}
    status, answer = shop.api.call("PUT", "/v1/project/shop/uniform", body)
    assert status == 200, answer
    shop.settle(0.2)
    return dict(answer)


def hook_service(url: str) -> str:
    return (
        f"    - name: tester\n      hook: {url}\n      events:\n"
        "        - name: sh.keptn.event.test.triggered\n"
    )


def test_a_hook_receives_the_whole_event_and_a_2xx_answer_passes_the_task(
    shop: Harness, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/keptn", method="POST").respond_with_json({"build": 12})
    answer = apply(shop, uniform(DEPLOYER, hook_service(httpserver.url_for("/keptn"))))
    assert answer["uncovered"] == []
    (tester,) = [s for s in answer["subscriptions"] if s["owner"] == "tester"]
    assert (tester["kind"], tester["target"]) == ("webhook", httpserver.url_for("/keptn"))

    # A label that looks like a template reaches the receiver as it is.
    context = shop.trigger("dev", "delivery", data={"labels": {"note": "{{.env.secret}} }}"}})
    shop.answer(shop.wait_task(context, "deployment"))
    test = shop.wait_task(context, "test")
    finished = shop.wait_finished(context, "dev", "delivery")

    ((request, _),) = httpserver.log  # once (the webhooks handler's own rule ran no entry)
    assert request.headers["Content-Type"] == "application/cloudevents+json"
    received = json.loads(request.get_data())
    assert received["id"] == test["id"]
    assert received["type"] == "sh.keptn.event.test.triggered"
    assert received["data"]["labels"] == {"note": "{{.env.secret}} }}"}
    answers = [e for e in shop.events(context) if e["type"].startswith("sh.keptn.event.test.s")]
    answers += [e for e in shop.events(context) if e["type"] == "sh.keptn.event.test.finished"]
    assert [(e["type"], e["source"]) for e in answers] == [
        ("sh.keptn.event.test.started", "webhook-service"),
        ("sh.keptn.event.test.finished", "webhook-service"),
    ]
    assert answers[1]["data"]["test"]["responses"] == [{"build": 12}]
    assert (finished["data"]["result"], finished["data"]["status"]) == ("pass", "succeeded")
    assert not [e for e in shop.events(context) if e["source"] == "quartermaster/uniform"]


def test_a_hook_that_answers_an_error_fails_the_task_saying_so(
    shop: Harness, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/keptn", method="POST").respond_with_data("no", status=500)
    apply(shop, uniform(DEPLOYER, hook_service(httpserver.url_for("/keptn"))))
    context = shop.trigger("dev", "delivery")
    shop.answer(shop.wait_task(context, "deployment"))

    finished = shop.wait_finished(context, "dev", "delivery")
    (test_finished,) = [e for e in shop.events(context) if e["type"].endswith("test.finished")]
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    assert "500" in test_finished["data"]["message"]


def test_a_hook_the_guard_refuses_fails_the_task_saying_why(shop: Harness) -> None:
    apply(shop, uniform(DEPLOYER, hook_service("http://169.254.169.254/latest/meta-data")))
    context = shop.trigger("dev", "delivery")
    shop.answer(shop.wait_task(context, "deployment"))

    finished = shop.wait_finished(context, "dev", "delivery")
    (test_finished,) = [e for e in shop.events(context) if e["type"].endswith("test.finished")]
    assert test_finished["source"] == "webhook-service"
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    message = test_finished["data"]["message"]
    assert message.startswith("webhook sh.keptn.event.test.triggered (uniform service tester, ")
    assert "169.254.169.254 is in a refused range: cloud metadata service" in message


def test_webhook_yaml_entries_count_as_executors_at_apply_and_at_run_time(
    shop: Harness, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/smoke/cart", method="POST").respond_with_json({"ok": True})
    entry = WEBHOOK_YAML.replace("{url}", httpserver.url_for("").rstrip("/"))
    webhook = "    - name: webhook-service\n      kind: webhook\n      events:\n"
    webhook += "        - name: sh.keptn.event.test.triggered\n"

    before = apply(shop, uniform(DEPLOYER, webhook))
    assert before["uncovered"] == ["stage dev, sequence delivery: task test"]
    assert before["warnings"] == [
        "service 'webhook-service': no webhook.yaml of the project has an entry for "
        "sh.keptn.event.test.triggered yet, so nothing runs for it (qm register webhook, or "
        "upload webhook/webhook.yaml)"
    ]
    status, _ = shop.api.call(
        "POST",
        "/v1/project/shop/stage/dev/service/cart/resource",
        {
            "resources": [
                {
                    "resourceURI": "webhook/webhook.yaml",
                    "resourceContent": base64.b64encode(entry.encode()).decode(),
                }
            ]
        },
    )
    assert status in (200, 201)
    after = apply(shop, uniform(DEPLOYER, webhook))
    assert (after["uncovered"], after["warnings"]) == ([], [])

    context = shop.trigger("dev", "delivery")
    shop.answer(shop.wait_task(context, "deployment"))
    finished = shop.wait_finished(context, "dev", "delivery")

    assert (finished["data"]["result"], finished["data"]["status"]) == ("pass", "succeeded")
    sources = {
        e["source"]
        for e in shop.events(context)
        if e["type"] in ("sh.keptn.event.test.started", "sh.keptn.event.test.finished")
    }
    assert sources == {"webhook-service"}  # the guard left it to the webhook


def test_a_selector_on_webhook_files_is_refused_naming_the_fix(shop: Harness) -> None:
    webhook = (
        "    - name: webhook-service\n      kind: webhook\n      events:\n"
        "        - name: sh.keptn.event.test.triggered\n"
        "          selector: {matchLabels: {stage: dev}}\n"
    )
    body = {"uniform": base64.b64encode(uniform(webhook).encode()).decode()}
    status, answer = shop.api.call("PUT", "/v1/project/shop/uniform", body)

    assert status == 400
    assert "a selector cannot narrow" in answer["message"]
    assert "webhook.yaml of the stage or service it is for" in answer["message"]
