"""Total score, result and messages (reference 4.7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from chalicelib.domain.slo import SloFile, SloTotalScore
from chalicelib.engine.lighthouse import (
    EvaluationOutcome,
    IndicatorResult,
    IndicatorValue,
    KeySliFailure,
    SliTarget,
    decide,
    evaluate,
)


def _gate(total_score: dict[str, Any] | None, values: Mapping[str, float]) -> EvaluationOutcome:
    """Four objectives of weight 1 on a..d, each passing below 10 and warning below 20."""
    objectives = [
        {"sli": name, "pass": [{"criteria": ["<10"]}], "warning": [{"criteria": ["<20"]}]}
        for name in "abcd"
    ]
    document: dict[str, Any] = {"objectives": objectives}
    if total_score is not None:
        document["total_score"] = total_score
    measured = [IndicatorValue(metric=k, value=v, success=True) for k, v in values.items()]
    return evaluate(SloFile.model_validate(document), measured)


ALL_PASS = {"a": 1, "b": 1, "c": 1, "d": 1}
# a, b pass (1 + 1), c warns (0.5), d fails (0): 2.5 of 4 = 62.5 %
MIXED = {"a": 1, "b": 1, "c": 15, "d": 50}


def test_pass_at_or_above_the_pass_threshold() -> None:
    outcome = _gate({"pass": "62.5%", "warning": "50%"}, MIXED)
    assert (outcome.result, outcome.evaluation.result, outcome.evaluation.score) == (
        "pass",
        "pass",
        62.5,
    )
    assert (outcome.status, outcome.message) == ("succeeded", "")


def test_warning_message() -> None:
    outcome = _gate({"pass": "90%", "warning": "60%"}, MIXED)
    assert outcome.result == "warning"
    assert outcome.message == (
        "Evaluation returned a warning: the calculated score of 62.5 is close to the warning "
        "target value of 60"
    )


def test_fail_below_the_warning_threshold_message() -> None:
    outcome = _gate({"pass": "90%", "warning": "75.5%"}, MIXED)
    assert outcome.result == "fail"
    assert outcome.message == (
        "Evaluation failed since the calculated score of 62.5 is below the warning value of 75.5"
    )


def test_fail_without_warning_threshold_message() -> None:
    outcome = _gate({"pass": "90"}, MIXED)  # '%' is optional
    assert outcome.result == "fail"
    assert outcome.message == (
        "Evaluation failed since the calculated score of 62.5 is below the target value of 90"
    )


@pytest.mark.parametrize(
    ("total_score", "message"),
    [
        (None, "no target score defined"),
        ({"warning": "75%"}, "no target score defined"),
        ({"pass": ""}, "no target score defined"),
        ({"pass": "ninety"}, "could not parse pass target percentage"),
        ({"pass": "90%%"}, "could not parse pass target percentage"),
        ({"pass": "90%", "warning": "high"}, "could not parse warning target percentage"),
    ],
)
def test_unusable_thresholds_make_the_evaluation_errored(
    total_score: dict[str, Any] | None, message: str
) -> None:
    outcome = _gate(total_score, MIXED)
    assert (outcome.status, outcome.result, outcome.message) == ("errored", "fail", message)
    assert (outcome.evaluation.result, outcome.evaluation.score) == ("fail", 0.0)
    assert outcome.evaluation.indicator_results is None


def test_an_unreadable_warning_threshold_errors_even_a_gate_that_passes() -> None:
    # Keptn's calculateScore parses both thresholds before it looks at the score.
    outcome = _gate({"pass": "90%", "warning": "high"}, ALL_PASS)
    assert (outcome.status, outcome.result, outcome.message) == (
        "errored",
        "fail",
        "could not parse warning target percentage",
    )


def test_only_informational_objectives_pass_with_100() -> None:
    slo = SloFile.model_validate(
        {"objectives": [{"sli": "a"}, {"sli": "b", "pass": []}], "total_score": {"pass": "90"}}
    )
    outcome = evaluate(slo, [IndicatorValue(metric="a", value=1, success=True)])
    assert (outcome.status, outcome.result, outcome.evaluation.score) == (
        "succeeded",
        "pass",
        100.0,
    )


def test_only_informational_objectives_still_need_a_target_score() -> None:
    slo = SloFile.model_validate({"objectives": [{"sli": "a"}, {"sli": "b", "pass": []}]})
    outcome = evaluate(slo, [IndicatorValue(metric="a", value=1, success=True)])
    assert (outcome.status, outcome.result, outcome.message) == (
        "errored",
        "fail",
        "no target score defined",
    )


def test_key_sli_failure_fails_even_above_the_pass_threshold() -> None:
    objectives = [
        {"sli": "a", "weight": 3, "pass": [{"criteria": ["<10"]}]},
        {"sli": "k", "key_sli": True, "pass": [{"criteria": ["<10"]}]},
    ]
    slo = SloFile.model_validate(
        {"objectives": objectives, "total_score": {"pass": "75%", "warning": "50%"}}
    )
    values = [IndicatorValue(metric="a", value=1, success=True)]
    outcome = evaluate(slo, values)  # k missing: 3 of 4 = 75 %, which meets the pass threshold
    assert (outcome.result, outcome.evaluation.score) == ("fail", 75.0)
    assert outcome.message == (
        "Evaluation failed due to key_sli objective 'k': no value received from SLI provider"
    )


def test_key_sli_failure_fails_even_at_100_percent() -> None:
    passed = IndicatorResult(
        score=1,
        value=IndicatorValue(metric="a", value=1, success=True),
        pass_targets=[SliTarget(criteria="<10", target_value=10, violated=False)],
        status="pass",
    )
    decision = decide(
        1.0,
        [passed],
        SloTotalScore.model_validate({"pass": "90%", "warning": "75%"}),
        KeySliFailure("Errors", "failed evaluation with score 0.000000"),
    )
    assert (decision.score, decision.result) == (100.0, "fail")
    assert decision.message == (
        "Evaluation failed due to key_sli objective 'Errors': failed evaluation with score 0.000000"
    )


def test_last_failing_key_sli_is_the_one_reported() -> None:
    objectives = [
        {"sli": "k1", "key_sli": True, "pass": [{"criteria": ["<10"]}]},
        {"sli": "k2", "key_sli": True, "pass": [{"criteria": ["<10"]}]},
    ]
    slo = SloFile.model_validate({"objectives": objectives, "total_score": {"pass": "90%"}})
    values = [IndicatorValue(metric=m, value=50, success=True) for m in ("k1", "k2")]
    assert evaluate(slo, values).message == (
        "Evaluation failed due to key_sli objective 'k2': failed evaluation with score 0.000000"
    )


def test_no_objectives_fail_with_keptns_message() -> None:
    target = {"pass": "90%"}
    documents: list[dict[str, Any]] = [
        {"total_score": target},
        {"objectives": [None], "total_score": target},
        {"objectives": [], "total_score": target},
    ]
    for document in documents:
        outcome = evaluate(SloFile.model_validate(document), [])
        assert (outcome.status, outcome.result, outcome.evaluation.result) == (
            "succeeded",
            "fail",
            "fail",
        )
        assert outcome.message == "lighthouse failed because no SLO objective was provided"
    # Keptn reads the thresholds before it looks at the objectives.
    missing = evaluate(SloFile.model_validate({"objectives": []}), [])
    assert (missing.status, missing.message) == ("errored", "no target score defined")
