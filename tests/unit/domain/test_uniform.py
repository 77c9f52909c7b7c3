"""Uniform validation and label-selector matching."""

from __future__ import annotations

import pytest

from chalicelib.domain.uniform import EventSelector, Uniform, event_labels, matches
from chalicelib.domain.yamldoc import document_problems, parse_document

VALID = """\
version: "0.2.0"
kind: Uniform
metadata:
  name: uniform-shop
spec:
  services:
    - name: deployer
      image: ghcr.io/example/deployer:1.0.0
      events:
        - name: sh.keptn.event.deployment.triggered
          selector:
            matchLabels:
              team: blue
            matchExpressions:
              - key: stage
                operator: In
                values: [dev, staging]
      env:
        LOG_LEVEL: info
    - name: notifier
      image: ghcr.io/example/notifier:1.0.0
      events:
        - name: sh.keptn.event.dev.delivery.finished
        - name: sh.keptn.event.test.status.changed
"""


def problems(text: str) -> list[str]:
    return document_problems(text, Uniform, "uniform.yaml")


def selector(**fields: object) -> EventSelector:
    return EventSelector.model_validate(fields)


def test_valid_uniform() -> None:
    assert problems(VALID) == []


def test_duplicate_match_labels_key_is_reported_clearly() -> None:
    text = VALID.replace(
        "              team: blue\n", "              team: blue\n              team: red\n"
    )

    assert problems(text) == [
        "uniform.yaml: spec.services[0].events[0].selector.matchLabels.team (line 14): "
        "duplicate key 'team' (first given on line 13); each key may appear only once in a mapping"
    ]


@pytest.mark.parametrize("operator", ["In", "NotIn"])
def test_in_and_not_in_need_values(operator: str) -> None:
    text = VALID.replace(
        "operator: In\n                values: [dev, staging]", f"operator: {operator}"
    )

    assert problems(text) == [
        "uniform.yaml: spec.services[0].events[0].selector.matchExpressions[0].values (line 15): "
        f"operator {operator} needs a non-empty list of values"
    ]


def test_empty_values_list_counts_as_no_values() -> None:
    text = VALID.replace("values: [dev, staging]", "values: []")

    assert problems(text) == [
        "uniform.yaml: spec.services[0].events[0].selector.matchExpressions[0].values (line 17): "
        "operator In needs a non-empty list of values"
    ]


@pytest.mark.parametrize("operator", ["Exists", "DoesNotExist"])
def test_exists_operators_take_no_values(operator: str) -> None:
    with_values = VALID.replace("operator: In", f"operator: {operator}")
    without = VALID.replace(
        "operator: In\n                values: [dev, staging]", f"operator: {operator}"
    )

    assert problems(with_values) == [
        "uniform.yaml: spec.services[0].events[0].selector.matchExpressions[0].values (line 17): "
        f"operator {operator} takes no values; remove them"
    ]
    assert problems(without) == []


def test_unknown_operator_lists_the_known_ones() -> None:
    text = VALID.replace("operator: In", "operator: in")

    assert problems(text) == [
        "uniform.yaml: spec.services[0].events[0].selector.matchExpressions[0].operator 'in' "
        "(line 16): must be 'In', 'NotIn', 'Exists' or 'DoesNotExist'"
    ]


@pytest.mark.parametrize(
    "event",
    [
        "deployment.triggered",
        "sh.keptn.event.deployment",
        "sh.keptn.event.deployment.done",
        "sh.keptn.event.dev.delivery.started",
        "sh.keptn.event..triggered",
    ],
)
def test_bad_event_types_are_refused(event: str) -> None:
    lines = problems(VALID.replace("sh.keptn.event.deployment.triggered", event))

    assert len(lines) == 1
    assert lines[0].startswith(
        f"uniform.yaml: spec.services[0].events[0].name '{event}' (line 10): "
    )


def test_env_values_must_be_strings() -> None:
    text = VALID.replace("LOG_LEVEL: info", "PORT: 8080")

    assert problems(text) == [
        "uniform.yaml: spec.services[0].env.PORT '8080' (line 19): "
        "must be a string, found a number (put it in quotes)"
    ]


def test_env_names_must_be_identifiers() -> None:
    text = VALID.replace("LOG_LEVEL: info", "LOG-LEVEL: info")

    assert problems(text) == [
        "uniform.yaml: spec.services[0].env.LOG-LEVEL (line 19): an environment variable name "
        "must be letters, digits and '_'"
    ]


def test_service_names_follow_the_entity_rule_and_are_unique() -> None:
    upper = VALID.replace("name: notifier", "name: Notifier")
    twice = VALID.replace("name: notifier", "name: deployer")

    assert problems(upper)[0].startswith(
        "uniform.yaml: spec.services[1].name 'Notifier' (line 20): "
    )
    assert problems(twice) == [
        "uniform.yaml: spec.services[1].name 'deployer' (line 20): service name 'deployer' is "
        "already used by services[0]"
    ]


def test_kind_and_an_executor_are_required() -> None:
    text = VALID.replace("kind: Uniform\n", "").replace(
        "      image: ghcr.io/example/notifier:1.0.0\n", ""
    )

    assert problems(text) == [
        "uniform.yaml: top level (line 1): field 'kind' is required",
        "uniform.yaml: spec.services[1] (line 19): say what carries out its events: image (a "
        "container), function (a Lambda function), hook (an HTTP endpoint) or bus (an event bus "
        "ARN), or kind: image, lambda, webhook, bus, http-poll or process",
    ]


def test_no_selector_matches_everything() -> None:
    assert matches(None, {})
    assert matches(selector(), {"a": "b"})


def test_match_labels_need_equal_values() -> None:
    only_blue = selector(matchLabels={"team": "blue"})

    assert matches(only_blue, {"team": "blue", "other": "x"})
    assert not matches(only_blue, {"team": "red"})
    assert not matches(only_blue, {})


@pytest.mark.parametrize(
    ("operator", "values", "labels", "expected"),
    [
        ("In", ["dev", "staging"], {"stage": "dev"}, True),
        ("In", ["dev", "staging"], {"stage": "prod"}, False),
        ("In", ["dev"], {}, False),
        ("NotIn", ["prod"], {"stage": "dev"}, True),
        ("NotIn", ["prod"], {"stage": "prod"}, False),
        ("NotIn", ["prod"], {}, True),
        ("Exists", None, {"stage": ""}, True),
        ("Exists", None, {}, False),
        ("DoesNotExist", None, {}, True),
        ("DoesNotExist", None, {"stage": "dev"}, False),
    ],
)
def test_match_expressions_follow_kubernetes_semantics(
    operator: str, values: list[str] | None, labels: dict[str, str], expected: bool
) -> None:
    expression: dict[str, object] = {"key": "stage", "operator": operator}
    if values is not None:
        expression["values"] = values

    assert matches(selector(matchExpressions=[expression]), labels) is expected


def test_all_conditions_must_hold() -> None:
    both = selector(
        matchLabels={"team": "blue"},
        matchExpressions=[{"key": "stage", "operator": "In", "values": ["dev"]}],
    )

    assert matches(both, {"team": "blue", "stage": "dev"})
    assert not matches(both, {"team": "blue", "stage": "prod"})
    assert not matches(both, {"team": "red", "stage": "dev"})


def test_subscribers_and_event_labels() -> None:
    uniform = parse_document(VALID, Uniform, "uniform.yaml")
    data = {"project": "shop", "stage": "dev", "service": "carts", "labels": {"team": "blue"}}

    assert [
        s.name
        for s in uniform.subscribers("sh.keptn.event.deployment.triggered", event_labels(data))
    ] == ["deployer"]
    assert (
        uniform.subscribers(
            "sh.keptn.event.deployment.triggered", event_labels({**data, "stage": "prod"})
        )
        == []
    )
    assert [s.name for s in uniform.subscribers("sh.keptn.event.dev.delivery.finished", {})] == [
        "notifier"
    ]


def test_event_labels_cannot_fake_the_stage() -> None:
    labels = event_labels({"stage": "prod", "labels": {"stage": "dev", "buildId": "7", "n": 3}})

    assert labels == {"stage": "prod", "buildId": "7"}
