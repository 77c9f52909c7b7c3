"""Per-objective evaluation (reference 4.6): status, score, targets and comparedValue of each SLI.

Keptn's quirks are kept on purpose: the SLI value is removed from the list when an objective
takes it (a second objective on the same SLI finds nothing), targets of a missing value show the
raw baseline for relative criteria, and SLIs nobody asked for are named in a message.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from chalicelib.engine.lighthouse.baseline import Baselines
from chalicelib.engine.lighthouse.criteria import CriteriaError, Criterion, check, parse_criterion
from chalicelib.engine.lighthouse.models import IndicatorResult, IndicatorValue
from chalicelib.engine.lighthouse.settings import CriteriaSets, Objective

# Results under construction, keyed by Keptn's wire names.
WireTarget = dict[str, Any]
WireValue = dict[str, Any]
WireResult = dict[str, Any]
_RESULTS = TypeAdapter(list[IndicatorResult])

NO_VALUE_MESSAGE = "no value received from SLI provider"
# Keptn formats the failed objective's score (always 0) with Go's %f.
KEY_SLI_FAILED_MESSAGE = "failed evaluation with score 0.000000"


@dataclass(frozen=True, slots=True)
class KeySliFailure:
    """A key SLI that failed: the objective's name and why."""

    name: str
    message: str


@dataclass(frozen=True, slots=True)
class ObjectivesEvaluation:
    """Everything the total score needs, plus the message about SLIs without an objective."""

    indicator_results: list[IndicatorResult]
    maximum_score: float
    key_sli_failure: KeySliFailure | None
    additional_slis_message: str


class CriterionParseError(CriteriaError):
    """A pass criterion could not be parsed: the whole evaluation ends with this message."""

    def __init__(self, objective: Objective, error: CriteriaError) -> None:
        super().__init__(f"error with {objective.name}: {error.message}")


def evaluate_objectives(
    objectives: Sequence[Objective], sli_values: Sequence[IndicatorValue], baselines: Baselines
) -> ObjectivesEvaluation:
    """Evaluate every objective in file order; raise CriterionParseError on a bad pass criterion."""
    remaining = _Remaining(sli_values)
    # Results are built as plain wire dicts and validated in one pass at the end: several
    # times faster than constructing hundreds of small models one by one.
    results: list[WireResult] = []
    maximum_score = 0.0
    key_sli_failure: KeySliFailure | None = None
    for objective in objectives:
        if objective.pass_sets:
            maximum_score += float(objective.weight)
        value = remaining.take(objective.sli)
        if objective.is_informational:
            results.append(_informational(objective, value, baselines))
            continue
        if value is None or not value.success:
            result = _without_value(objective, value, baselines)
            if objective.key_sli:
                key_sli_failure = KeySliFailure(objective.name, result["value"]["message"])
            results.append(result)
            continue
        result = _evaluated(objective, value, baselines)
        if objective.key_sli and result["status"] == "fail":
            key_sli_failure = KeySliFailure(objective.name, KEY_SLI_FAILED_MESSAGE)
        results.append(result)
    return ObjectivesEvaluation(
        indicator_results=_RESULTS.validate_python(results),
        maximum_score=maximum_score,
        key_sli_failure=key_sli_failure,
        additional_slis_message=additional_slis_message(remaining.values),
    )


def additional_slis_message(leftover: Sequence[IndicatorValue]) -> str:
    """Keptn's note about SLI values no objective asked for (empty when there are none)."""
    names = ""
    for value in leftover:
        if names:
            names += ", "
        names += value.metric
    if not names:
        return ""
    return (
        f"Lighthouse received additional SLIs, which are not specified as SLO: {names} . "
        "Please consider using them as an SLO."
    )


class _Remaining:
    """The SLI values not handed out yet, in Keptn's order, with O(1) look-ups by metric.

    Keptn hands out the first value whose metric matches and removes it by moving the last
    element into its place; the order of what is left shows in the "additional SLIs" message,
    so the same moves are made here. Positions per metric (ascending) replace a linear scan,
    so a gate of 1,000 objectives costs 10x one of 100, not 100x.
    """

    def __init__(self, values: Sequence[IndicatorValue]) -> None:
        self.values = list(values)
        self._positions: dict[str, list[int]] = {}
        for position, value in enumerate(self.values):
            self._positions.setdefault(value.metric, []).append(position)

    def take(self, sli: str) -> IndicatorValue | None:
        positions = self._positions.get(sli)
        if not positions:
            return None
        index = positions.pop(0)
        found = self.values[index]
        last = len(self.values) - 1
        if index != last:
            moved = self.values[last]
            self.values[index] = moved
            moved_positions = self._positions[moved.metric]
            moved_positions.remove(last)
            insort(moved_positions, index)
        self.values.pop()
        return found


def _informational(
    objective: Objective, value: IndicatorValue | None, baselines: Baselines
) -> WireResult:
    warning_targets = _listed_as_violated(objective.warning_sets, baselines.of(objective.sli))
    return {
        "score": 0.0,
        "value": value,
        "displayName": objective.display_name,
        "passTargets": [],
        "warningTargets": warning_targets or [],
        "keySli": objective.key_sli,
        "status": "info",
    }


def _without_value(
    objective: Objective, value: IndicatorValue | None, baselines: Baselines
) -> WireResult:
    # As in Keptn, criteria are not parsed for a missing value: a bad one is left out of the
    # targets instead of ending the evaluation.
    baseline = baselines.of(objective.sli)
    received: WireValue = (
        _wire_value(value, value.compared_value)
        if value is not None
        else {
            "metric": objective.sli,
            "value": 0.0,
            "comparedValue": 0.0,
            "success": False,
            "message": NO_VALUE_MESSAGE,
        }
    )
    return {
        "score": 0.0,
        "value": received,
        "displayName": objective.display_name,
        # Keptn's getEmptyTargets always returns a list: `[]`, never `null`, for both.
        "passTargets": _listed_as_violated(objective.pass_sets, baseline) or [],
        "warningTargets": _listed_as_violated(objective.warning_sets, baseline) or [],
        # Keptn leaves keySli unset on a result that had no usable value.
        "keySli": False,
        "status": "fail",
    }


def _evaluated(objective: Objective, value: IndicatorValue, baselines: Baselines) -> WireResult:
    baseline = baselines.of(objective.sli)
    passed, pass_targets = _criteria_sets(objective, objective.pass_sets, value.value, baseline)
    warned = False
    warning_targets: list[WireTarget] | None = None
    if objective.warning_sets:
        warned, warning_targets = _criteria_sets(
            None, objective.warning_sets, value.value, baseline
        )
    if passed:
        status, score = "pass", float(objective.weight)
    elif warned:
        status, score = "warning", 0.5 * float(objective.weight)
    else:
        status, score = "fail", 0.0
    return {
        "score": score,
        "value": _wire_value(value, 0.0 if baseline is None else baseline),
        "displayName": objective.display_name,
        "passTargets": pass_targets,
        "warningTargets": warning_targets,
        "keySli": objective.key_sli,
        "status": status,
    }


def _wire_value(value: IndicatorValue, compared_value: float) -> WireValue:
    return {
        "metric": value.metric,
        "value": value.value,
        "comparedValue": compared_value,
        "success": value.success,
        "message": value.message,
    }


def _criteria_sets(
    objective: Objective | None, sets: CriteriaSets, measured: float, baseline: float | None
) -> tuple[bool, list[WireTarget] | None]:
    """OR over the sets, AND inside each; every target is reported, in order.

    With `objective` given (pass criteria) a parse error ends the evaluation; without it
    (warning criteria) it makes the warning unmet with no targets at all, as in Keptn, whose
    criteria loop returns an empty list on the first error.
    """
    satisfied = False
    targets: list[WireTarget] = []
    for criteria in sets:
        all_hold = True
        for text in criteria:
            if objective is not None:
                target, holds = check(_parse_pass_criterion(objective, text), measured, baseline)
            else:
                try:
                    target, holds = check(parse_criterion(text), measured, baseline)
                except CriteriaError:
                    return False, []
            targets.append({"criteria": text, "targetValue": target, "violated": not holds})
            all_hold = all_hold and holds
        satisfied = satisfied or all_hold
    # Go's nil slice: no criteria at all gives `null`, not `[]`.
    return satisfied, targets or None


def _listed_as_violated(sets: CriteriaSets, baseline: float | None) -> list[WireTarget] | None:
    """Targets of an objective that could not be evaluated: all violated, relative ones at the
    raw baseline (QUIRK kept from Keptn: not baseline +/- x, 0 without a baseline); criteria
    that cannot be parsed are left out, as Keptn does."""
    if not sets:
        return None
    raw_baseline = 0.0 if baseline is None else baseline
    targets: list[WireTarget] = []
    for criteria in sets:
        for text in criteria:
            try:
                criterion = parse_criterion(text)
            except CriteriaError:
                continue
            target = raw_baseline if criterion.relative else criterion.value
            targets.append({"criteria": text, "targetValue": target, "violated": True})
    return targets


def _parse_pass_criterion(objective: Objective, text: str) -> Criterion:
    try:
        return parse_criterion(text)
    except CriteriaError as error:
        raise CriterionParseError(objective, error) from error
