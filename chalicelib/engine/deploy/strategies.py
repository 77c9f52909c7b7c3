"""The deployment strategy a task asks for, and a canary's plan of steps.

The strategy is the task's `deployment.deploymentstrategy` (the shipyard task's properties land
there, reference 2.5): Keptn's `direct`, `blue_green_service` and `user_managed`; `canary` with
`steps` (percentages, e.g. `[10, 50, 100]`) and `interval` (a Go duration, the bake time of each
step); or a CodeDeploy name: `Canary<P>Percent<M>Minutes` (P% for M minutes, then all),
`Linear<P>PercentEvery<M>Minute(s)` (P% more every M minutes), `AllAtOnce`, with or without
CodeDeploy's `CodeDeployDefault.Lambda` prefix. An `interval` given with a CodeDeploy name
replaces its bake time (a rehearsal of `Linear10PercentEvery10Minutes` with `interval: 10s`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.deployments import PlanStep, Strategy, StrategyKind
from chalicelib.domain.durations import parse_go_duration
from chalicelib.errors import InvalidInput

STRATEGY_KEY = "deploymentstrategy"
DEFAULT_STRATEGY = StrategyKind.DIRECT
DEFAULT_STEPS = (10, 50, 100)
DEFAULT_INTERVAL = "5m"
ALL_AT_ONCE = "AllAtOnce"
CODEDEPLOY_PREFIX = "CodeDeployDefault.Lambda"
# CodeDeploy's predefined Lambda configurations; any name of the same form is accepted too.
PRESETS = (
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent15Minutes",
    "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
    "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes",
    ALL_AT_ONCE,
)
_CANARY = re.compile(r"Canary(?P<percent>\d+)Percent(?P<minutes>\d+)Minutes?")
_LINEAR = re.compile(r"Linear(?P<percent>\d+)PercentEvery(?P<minutes>\d+)Minutes?")
# Keptn's spec examples also write these; they mean the same.
_ALIASES = {"blue_green": StrategyKind.BLUE_GREEN, "duplicate": StrategyKind.BLUE_GREEN}
_KNOWN = (
    "direct, blue_green_service, user_managed, canary (with steps and interval), or a CodeDeploy "
    "name such as Canary10Percent5Minutes, Linear10PercentEvery1Minute or AllAtOnce"
)


def read_strategy(properties: Mapping[str, Any] | None) -> Strategy:
    """The strategy of a task's `deployment` block (`direct` when it names none); InvalidInput
    naming the property and the fix when it cannot be used."""
    block = properties or {}
    raw = block.get(STRATEGY_KEY)
    if raw is None or raw == "":
        return Strategy(name=DEFAULT_STRATEGY.value, kind=DEFAULT_STRATEGY)
    if not isinstance(raw, str):
        raise InvalidInput(f"deployment.{STRATEGY_KEY} must be a name: {_KNOWN}")
    interval = _interval(block)
    name = raw.strip()
    for kind in (StrategyKind.DIRECT, StrategyKind.BLUE_GREEN, StrategyKind.USER_MANAGED):
        if name == kind.value:
            return Strategy(name=name, kind=kind)
    if name in _ALIASES:
        return Strategy(name=name, kind=_ALIASES[name])
    if name == StrategyKind.CANARY.value:
        steps = _steps(block.get("steps", list(DEFAULT_STEPS)))
        bake = interval if interval is not None else _seconds(DEFAULT_INTERVAL)
        return _canary(name, [(weight, bake) for weight in steps])
    return _preset(name, interval)


def _preset(name: str, interval: int | None) -> Strategy:
    bare = name.removeprefix(CODEDEPLOY_PREFIX)
    if bare == ALL_AT_ONCE:
        return Strategy(name=name, kind=StrategyKind.DIRECT)
    canary = _CANARY.fullmatch(bare)
    linear = _LINEAR.fullmatch(bare)
    match = canary or linear
    if match is None:
        raise InvalidInput(f"deployment.{STRATEGY_KEY} '{name}' is unknown; use {_KNOWN}")
    percent, minutes = int(match.group("percent")), int(match.group("minutes"))
    if not 0 < percent < 100 or minutes < 1:
        raise InvalidInput(
            f"deployment.{STRATEGY_KEY} '{name}': the percentage must be between 1 and 99 and "
            "the minutes at least 1"
        )
    bake = interval if interval is not None else minutes * 60
    if canary is not None:
        return _canary(name, [(percent, bake)])
    weights = [percent * step for step in range(1, math.ceil(100 / percent))]
    return _canary(name, [(weight, bake) for weight in weights])


def _canary(name: str, steps: list[tuple[float, int]]) -> Strategy:
    plan = tuple(
        PlanStep(weight=weight, bake_seconds=bake) for weight, bake in steps if weight < 100
    )
    if not plan:  # only 100%: nothing to bake or evaluate
        return Strategy(name=name, kind=StrategyKind.DIRECT)
    return Strategy(name=name, kind=StrategyKind.CANARY, plan=plan)


def _steps(value: Any) -> list[float]:
    where = "deployment.steps"
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"{where} must be a list of percentages, e.g. [10, 50, 100]")
    steps: list[float] = []
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise InvalidInput(f"{where}[{index}] '{item}' must be a number between 1 and 100")
        if not 0 < item <= 100:
            raise InvalidInput(f"{where}[{index}] {item} must be more than 0 and at most 100")
        if steps and item <= steps[-1]:
            raise InvalidInput(f"{where} must increase: {item} follows {steps[-1]:g}")
        steps.append(float(item))
    return steps


def _interval(block: Mapping[str, Any]) -> int | None:
    value = block.get("interval")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"deployment.interval '{value}' must be a Go duration such as 5m")
    return _seconds(value)


def _seconds(text: str) -> int:
    try:
        seconds = parse_go_duration(text)
    except ValueError as error:
        raise InvalidInput(f"deployment.interval: {error}") from None
    if seconds < 1:
        raise InvalidInput(
            f"deployment.interval '{text}' must be at least 1s: each step bakes before it is "
            "evaluated"
        )
    if seconds > 24 * 3600:
        raise InvalidInput(f"deployment.interval '{text}' must be at most 24h")
    return math.ceil(seconds)
