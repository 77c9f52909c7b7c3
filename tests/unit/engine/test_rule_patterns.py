"""Selector -> EventBridge pattern, operator by operator and combined (proven on moto in
tests/integration/test_uniform_rules.py)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.executors import Executor, ExecutorKind
from chalicelib.domain.subscriptions import Origin, Subscription, SubscriptionFilter
from chalicelib.domain.uniform import EventSelector
from chalicelib.engine.rule_patterns import NeverMatches, event_pattern
from chalicelib.errors import InvalidInput

TEST = "sh.keptn.event.test.triggered"


def subscription(
    selector: dict[str, Any] | None = None,
    event: str = TEST,
    filter_: SubscriptionFilter | None = None,
) -> Subscription:
    return Subscription(
        id="s1",
        origin=Origin.UNIFORM,
        owner="tester",
        event=event,
        filter=filter_ or SubscriptionFilter(projects=("shop",)),
        selector=EventSelector.model_validate(selector) if selector is not None else None,
        executor=Executor(kind=ExecutorKind.HTTP_POLL),
    )


def data_of(selector: dict[str, Any]) -> dict[str, Any]:
    pattern = event_pattern(subscription(selector))
    data: dict[str, Any] = pattern["detail"]["data"]
    return data


def expression(key: str, operator: str, values: list[str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"key": key, "operator": operator}
    if values is not None:
        found["values"] = values
    return found


def test_no_selector_filters_the_type_and_the_project() -> None:
    assert event_pattern(subscription()) == {
        "detail-type": [TEST],
        "detail": {"data": {"project": ["shop"]}},
    }


def test_match_labels_are_exact_values_under_labels() -> None:
    assert data_of({"matchLabels": {"team": "blue"}})["labels"] == {"team": ["blue"]}


def test_project_stage_and_service_keys_match_the_events_own_fields() -> None:
    data = data_of({"matchLabels": {"stage": "dev", "service": "carts"}})

    assert data == {"project": ["shop"], "stage": ["dev"], "service": ["carts"]}


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("In", ["dev", "staging"], ["dev", "staging"]),
        ("NotIn", ["prod"], [{"anything-but": ["prod"]}, {"exists": False}]),
        ("Exists", None, [{"exists": True}]),
        ("DoesNotExist", None, [{"exists": False}]),
    ],
)
def test_each_operator(operator: str, values: list[str] | None, expected: list[Any]) -> None:
    data = data_of({"matchExpressions": [expression("tier", operator, values)]})

    assert data["labels"] == {"tier": expected}


def test_conditions_on_one_key_are_combined() -> None:
    narrowed = data_of(
        {
            "matchExpressions": [
                expression("tier", "In", ["a", "b", "c"]),
                expression("tier", "In", ["b", "c", "d"]),
                expression("tier", "NotIn", ["c"]),
            ]
        }
    )
    present_but_not = data_of(
        {
            "matchExpressions": [
                expression("tier", "Exists"),
                expression("tier", "NotIn", ["x", "y"]),
            ]
        }
    )
    label_and_in = data_of(
        {"matchLabels": {"stage": "dev"}, "matchExpressions": [expression("stage", "In", ["dev"])]}
    )

    assert narrowed["labels"] == {"tier": ["b"]}
    assert present_but_not["labels"] == {"tier": [{"anything-but": ["x", "y"]}]}
    assert label_and_in["stage"] == ["dev"]


def test_a_stage_filter_and_a_stage_selector_both_hold() -> None:
    pattern = event_pattern(
        subscription(
            {"matchExpressions": [expression("stage", "In", ["dev", "staging"])]},
            filter_=SubscriptionFilter(projects=("shop",), stages=("staging", "prod")),
        )
    )

    assert pattern["detail"]["data"]["stage"] == ["staging"]


@pytest.mark.parametrize(
    ("selector", "said"),
    [
        (
            {"matchLabels": {"tier": "a"}, "matchExpressions": [expression("tier", "In", ["b"])]},
            "label 'tier': matchLabels tier: a; tier In [b]",
        ),
        (
            {
                "matchExpressions": [
                    expression("tier", "Exists"),
                    expression("tier", "DoesNotExist"),
                ]
            },
            "label 'tier': tier Exists; tier DoesNotExist",
        ),
        (
            {
                "matchExpressions": [
                    expression("tier", "In", ["a"]),
                    expression("tier", "NotIn", ["a"]),
                ]
            },
            "label 'tier': tier In [a]; tier NotIn [a]",
        ),
        (
            {
                "matchLabels": {"tier": "a"},
                "matchExpressions": [expression("tier", "DoesNotExist")],
            },
            "label 'tier': matchLabels tier: a; tier DoesNotExist",
        ),
    ],
)
def test_contradictions_are_refused_with_what_contradicts(
    selector: dict[str, Any], said: str
) -> None:
    with pytest.raises(NeverMatches) as refused:
        event_pattern(subscription(selector))

    assert refused.value.message == f"the selector can never match an event: {said}"


def test_a_wildcard_type_cannot_be_a_rule() -> None:
    with pytest.raises(InvalidInput, match="exact event type"):
        event_pattern(subscription(event="sh.keptn.event.*.triggered"))


def test_a_pattern_over_eventbridges_limit_is_refused() -> None:
    many = [f"value-{n:04d}" for n in range(400)]

    with pytest.raises(InvalidInput, match="EventBridge allows 4096"):
        event_pattern(subscription({"matchExpressions": [expression("tier", "In", many)]}))
