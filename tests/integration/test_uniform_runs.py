"""Runs of a project with a uniform, on moto: its rules carry each task to the service that
subscribed (a bus kind forwards it to another bus), a task nothing receives ends at once with
what to add, and a uniform applied while a run is active affects only the tasks triggered
after it (a task already dispatched keeps its executor)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from qm.local.delivery import deliver_once, queued_handlers
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
"""
DEPLOYER = """\
    - name: deployer
      bus: arn:aws:events:us-east-1:123456789012:event-bus/tools
      events:
        - name: sh.keptn.event.deployment.triggered
"""


def uniform(*services: str) -> str:
    return 'version: "0.2.0"\nkind: Uniform\nmetadata:\n  name: shop\nspec:\n  services:\n' + (
        "".join(services)
    )


def image_service(name: str, image: str) -> str:
    return (
        f"    - name: {name}\n      image: {image}\n      events:\n"
        "        - name: sh.keptn.event.test.triggered\n"
    )


@pytest.fixture
def shop(aws: None) -> Iterator[Harness]:
    with project_flow(
        SHIPYARD, start_settle_seconds=0, handler_delivery="sqs", lambda_targets=False
    ) as harness:
        yield harness


@pytest.fixture
def tools_bus(aws: None) -> str:
    """A remote execution plane: another bus whose tool's queue receives what is forwarded."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name="tools")
    url: str = sqs.create_queue(QueueName="tools-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(Name="inbox", EventBusName="tools", EventPattern='{"source": [{"prefix": ""}]}')
    events.put_targets(
        Rule="inbox", EventBusName="tools", Targets=[{"Id": "q", "Arn": arn["QueueArn"]}]
    )
    return url


def apply(shop: Harness, text: str) -> dict[str, Any]:
    body = {"uniform": base64.b64encode(text.encode()).decode()}
    status, answer = shop.api.call("PUT", "/v1/project/shop/uniform", body)
    assert status == 200, answer
    shop.settle(0.2)
    return dict(answer)


def forwarded(url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"])["detail"] for message in messages]


def test_a_task_nothing_carries_out_ends_at_once_saying_what_to_add(
    shop: Harness, tools_bus: str
) -> None:
    answer = apply(shop, uniform(DEPLOYER))
    assert answer["uncovered"] == ["stage dev, sequence delivery: task test"]
    context = shop.trigger("dev", "delivery")

    deployment = shop.wait_task(context, "deployment")
    assert [event["id"] for event in forwarded(tools_bus)] == [deployment["id"]]
    shop.answer(deployment)  # the remote tool answers through the API
    started = time.monotonic()
    finished = shop.wait_finished(context, "dev", "delivery")

    assert time.monotonic() - started < 15  # not after the ten-minute deadline
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    (test_finished,) = [e for e in shop.events(context) if e["type"].endswith("test.finished")]
    assert test_finished["source"] == "quartermaster/uniform"
    message = test_finished["data"]["message"]
    assert message.startswith(
        "no executor for task 'test' in project 'shop', stage 'dev': the applied uniform"
    )
    assert 'qm update uniform --project shop --stage dev "test+=<service>"' in message


def test_tasks_of_a_project_without_a_uniform_wait_for_tools_as_before(shop: Harness) -> None:
    context = shop.trigger("dev", "delivery")
    shop.wait_task(context, "deployment")
    shop.settle(0.5)

    assert not [e for e in shop.events(context) if e["type"].endswith("deployment.finished")]


def deliver_except(skipped: str) -> None:
    """Everything queued, but `skipped`'s queue: its deliveries wait."""
    sqs = boto3.client("sqs")
    while True:
        handled = sum(
            deliver_once(sqs, queued)
            for queued in queued_handlers(sqs, STAGE)
            if queued.spec.name != skipped
        )
        if not handled:
            return


def test_a_new_uniform_affects_only_tasks_triggered_after_it(shop: Harness, tools_bus: str) -> None:
    apply(shop, uniform(DEPLOYER, image_service("tester-a", "ghcr.io/acme/tests:1")))
    first = shop.trigger("dev", "delivery")
    shop.answer(shop.wait_task(first, "deployment"))
    deadline = time.monotonic() + 20
    while not shop.triggered(first, "test") and time.monotonic() < deadline:
        deliver_except("task-executor")  # run 1's test task is routed, not yet executed
        time.sleep(0.05)
    assert shop.triggered(first, "test")

    apply_before_execution = uniform(DEPLOYER, image_service("tester-b", "ghcr.io/acme/tests:2"))
    body = {"uniform": base64.b64encode(apply_before_execution.encode()).decode()}
    assert shop.api.call("PUT", "/v1/project/shop/uniform", body)[0] == 200
    deliver_except("task-executor")  # the new rules are on the bus
    shop.settle(0.3)  # now run 1's task reaches its executor

    second = shop.trigger("dev", "delivery")
    shop.answer(shop.wait_task(second, "deployment"))
    for context, service in ((first, "tester-a"), (second, "tester-b")):
        finished = shop.wait_finished(context, "dev", "delivery")
        found = [e for e in shop.events(context) if e["type"].endswith("test.finished")]
        (test_finished,) = found
        # No ECS cluster here: the executor says so, naming the service it ran for.
        assert test_finished["source"] == f"quartermaster/{service}"
        assert (
            f"service '{service}': container tasks run on ECS Fargate"
            in (test_finished["data"]["message"])
        )
        assert finished["data"]["status"] == "errored"
