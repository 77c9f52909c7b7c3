"""Selector patterns proven on moto's EventBridge: for every operator and the combinations that
share a key, a rule with an SQS target receives exactly the events the domain's selector
(Kubernetes semantics, chalicelib/domain/uniform.py) accepts, and none of the others."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.domain.executors import Executor, ExecutorKind
from chalicelib.domain.subscriptions import Origin, Subscription, SubscriptionFilter
from chalicelib.domain.uniform import EventSelector
from chalicelib.engine.rule_patterns import event_pattern

BUS = "quartermaster-test"
TEST = "sh.keptn.event.test.triggered"

SELECTORS: dict[str, dict[str, Any]] = {
    "no selector": {},
    "matchLabels": {"matchLabels": {"tier": "gold"}},
    "In": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["gold", "silver"]}]},
    "NotIn": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["bronze"]}]},
    "Exists": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
    "DoesNotExist": {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]},
    "stage In": {"matchExpressions": [{"key": "stage", "operator": "In", "values": ["dev"]}]},
    "stage NotIn": {
        "matchExpressions": [{"key": "stage", "operator": "NotIn", "values": ["prod"]}]
    },
    "Exists and NotIn": {
        "matchExpressions": [
            {"key": "tier", "operator": "Exists"},
            {"key": "tier", "operator": "NotIn", "values": ["bronze"]},
        ]
    },
    "In and NotIn": {
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["gold", "silver"]},
            {"key": "tier", "operator": "NotIn", "values": ["silver"]},
        ]
    },
    "two keys": {
        "matchLabels": {"team": "blue"},
        "matchExpressions": [{"key": "stage", "operator": "In", "values": ["dev", "staging"]}],
    },
}

# Every combination of: stage, the tier label (absent or a value), the team label, a foreign
# project. Labels that are not text do not count as labels (event_labels), as on the bus.
EVENTS: list[dict[str, Any]] = [
    {
        "project": project,
        "stage": stage,
        "service": "carts",
        **({"labels": labels} if labels is not None else {}),
    }
    for project, stage, labels in itertools.product(
        ("shop", "other"),
        ("dev", "staging", "prod"),
        (
            None,
            {},
            {"tier": "gold"},
            {"tier": "silver"},
            {"tier": "bronze"},
            {"team": "blue"},
            {"team": "blue", "tier": "bronze"},
            {"team": "red", "tier": "gold"},
        ),
    )
]


@pytest.fixture
def bus() -> Iterator[Any]:
    with mock_aws():
        events = boto3.client("events", region_name="us-east-1")
        events.create_event_bus(Name=BUS)
        yield events


def subscription(selector: dict[str, Any]) -> Subscription:
    return Subscription(
        id="s",
        origin=Origin.UNIFORM,
        owner="tester",
        event=TEST,
        filter=SubscriptionFilter(projects=("shop",)),
        selector=EventSelector.model_validate(selector) if selector else None,
        executor=Executor(kind=ExecutorKind.HTTP_POLL),
    )


def queue_for(events: Any, name: str, pattern: dict[str, Any]) -> str:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(Name=name, EventBusName=BUS, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn["QueueArn"]}])
    return url


def received(url: str) -> set[str]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    ids: set[str] = set()
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return ids
        for message in messages:
            ids.add(json.loads(message["Body"])["detail"]["id"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_each_selector_delivers_exactly_the_events_it_selects(bus: Any) -> None:
    queues = {
        name: (queue_for(bus, f"q{index}", event_pattern(subscription(selector))), selector)
        for index, (name, selector) in enumerate(SELECTORS.items())
    }
    for number, data in enumerate(EVENTS):
        for event_type in (TEST, "sh.keptn.event.deployment.triggered"):
            event = {"id": f"{event_type}-{number}", "type": event_type, "data": data}
            bus.put_events(
                Entries=[
                    {
                        "Source": "tests",
                        "DetailType": event_type,
                        "Detail": json.dumps(event),
                        "EventBusName": BUS,
                    }
                ]
            )

    for name, (url, selector) in queues.items():
        wanted = {
            f"{TEST}-{number}"
            for number, data in enumerate(EVENTS)
            if subscription(selector).accepts(TEST, data)
        }
        assert wanted, f"{name}: the sample has no event the selector accepts"
        assert len(wanted) < len(EVENTS), f"{name}: the sample has no event it refuses"
        assert received(url) == wanted, name
