"""Deployment strategies from a task's `deployment` properties, and canary plans: Keptn's names,
canary steps with an interval, and CodeDeploy's presets with their exact steps and bake times."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.deployments import PlanStep, StrategyKind
from chalicelib.engine.deploy.strategies import PRESETS, read_strategy
from chalicelib.errors import InvalidInput

LINEAR = [10.0 * step for step in range(1, 10)]


def _plan(properties: dict[str, Any]) -> list[tuple[float, int]]:
    return [(step.weight, step.bake_seconds) for step in read_strategy(properties).plan]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (None, StrategyKind.DIRECT),
        ("direct", StrategyKind.DIRECT),
        ("blue_green_service", StrategyKind.BLUE_GREEN),
        ("blue_green", StrategyKind.BLUE_GREEN),  # Keptn's spec example writes it so
        ("user_managed", StrategyKind.USER_MANAGED),
        ("AllAtOnce", StrategyKind.DIRECT),
        ("CodeDeployDefault.LambdaAllAtOnce", StrategyKind.DIRECT),
    ],
)
def test_keptns_names_and_all_at_once(name: str | None, kind: StrategyKind) -> None:
    strategy = read_strategy({} if name is None else {"deploymentstrategy": name})
    assert strategy.kind is kind
    assert strategy.plan == ()


@pytest.mark.parametrize(
    ("preset", "plan"),
    [
        ("Canary10Percent5Minutes", [(10.0, 300)]),
        ("Canary10Percent10Minutes", [(10.0, 600)]),
        ("Canary10Percent15Minutes", [(10.0, 900)]),
        ("Canary10Percent30Minutes", [(10.0, 1800)]),
        ("Linear10PercentEvery1Minute", [(weight, 60) for weight in LINEAR]),
        ("Linear10PercentEvery2Minutes", [(weight, 120) for weight in LINEAR]),
        ("Linear10PercentEvery3Minutes", [(weight, 180) for weight in LINEAR]),
        ("Linear10PercentEvery10Minutes", [(weight, 600) for weight in LINEAR]),
        ("CodeDeployDefault.LambdaCanary10Percent5Minutes", [(10.0, 300)]),
        ("Canary25Percent3Minutes", [(25.0, 180)]),  # a custom configuration of the same form
        ("Linear30PercentEvery1Minute", [(30.0, 60), (60.0, 60), (90.0, 60)]),
    ],
)
def test_codedeploy_presets_shift_as_codedeploy_does(
    preset: str, plan: list[tuple[float, int]]
) -> None:
    strategy = read_strategy({"deploymentstrategy": preset})
    assert strategy.kind is StrategyKind.CANARY
    assert strategy.name == preset  # reported as given
    assert _plan({"deploymentstrategy": preset}) == plan


def test_every_listed_preset_is_read() -> None:
    for preset in PRESETS:
        assert read_strategy({"deploymentstrategy": preset}).name == preset


def test_an_interval_replaces_a_presets_bake_time() -> None:
    plan = _plan({"deploymentstrategy": "Linear10PercentEvery10Minutes", "interval": "1s"})
    assert plan == [(weight, 1) for weight in LINEAR]


def test_a_canary_of_steps_and_an_interval() -> None:
    properties = {"deploymentstrategy": "canary", "steps": [10, 50, 100], "interval": "5m"}
    strategy = read_strategy(properties)
    assert strategy.plan == (
        PlanStep(weight=10, bake_seconds=300),
        PlanStep(weight=50, bake_seconds=300),
    )
    assert strategy.describe() == "canary (10%, 50%, then 100%)"


def test_a_canary_defaults_to_ten_fifty_all_every_five_minutes() -> None:
    assert _plan({"deploymentstrategy": "canary"}) == [(10.0, 300), (50.0, 300)]


def test_a_canary_without_its_last_hundred_still_ends_with_all_traffic() -> None:
    assert _plan({"deploymentstrategy": "canary", "steps": [5, 25], "interval": "90s"}) == [
        (5.0, 90),
        (25.0, 90),
    ]


def test_a_canary_of_one_hundred_only_is_direct() -> None:
    assert read_strategy({"deploymentstrategy": "canary", "steps": [100]}).kind is (
        StrategyKind.DIRECT
    )


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"deploymentstrategy": "rolling"}, "deployment.deploymentstrategy 'rolling' is unknown"),
        ({"deploymentstrategy": 3}, "deployment.deploymentstrategy must be a name"),
        ({"deploymentstrategy": "canary", "steps": "10,50"}, "must be a list of percentages"),
        ({"deploymentstrategy": "canary", "steps": [10, "x"]}, "deployment.steps[1] 'x'"),
        ({"deploymentstrategy": "canary", "steps": [0, 50]}, "must be more than 0"),
        ({"deploymentstrategy": "canary", "steps": [50, 10]}, "must increase: 10 follows 50"),
        ({"deploymentstrategy": "canary", "steps": [10, 120]}, "at most 100"),
        ({"deploymentstrategy": "canary", "interval": "soon"}, "deployment.interval: 'soon'"),
        ({"deploymentstrategy": "canary", "interval": "500ms"}, "must be at least 1s"),
        ({"deploymentstrategy": "canary", "interval": "48h"}, "must be at most 24h"),
        ({"deploymentstrategy": "canary", "interval": 5}, "must be a Go duration"),
        ({"deploymentstrategy": "Canary0Percent5Minutes"}, "between 1 and 99"),
        ({"deploymentstrategy": "Linear10PercentEvery0Minutes"}, "minutes at least 1"),
    ],
)
def test_what_cannot_be_used_is_refused_naming_the_property(
    properties: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_strategy(properties)
    assert message in refused.value.message
