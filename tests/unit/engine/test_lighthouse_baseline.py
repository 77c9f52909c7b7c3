"""Which earlier evaluations are compared with (reference 4.4)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.slo import SloFile
from chalicelib.engine.lighthouse import (
    IndicatorValue,
    PreviousEvaluation,
    evaluate,
)


def _run(event_id: str, result: str, value: float, *, success: bool = True) -> PreviousEvaluation:
    return PreviousEvaluation.model_validate(
        {
            "id": event_id,
            "result": result,
            "indicatorResults": [
                {"value": {"metric": "rt", "value": value, "success": success}, "status": "fail"}
            ],
        }
    )


# newest first
HISTORY = [
    _run("e1", "fail", 100),
    _run("e2", "pass", 10),
    _run("e3", "warning", 20),
    _run("e4", "pass", 30),
]


def _compare(
    comparison: dict[str, Any], previous: list[PreviousEvaluation]
) -> tuple[float, list[str]]:
    slo = SloFile.model_validate(
        {
            "comparison": comparison,
            "objectives": [{"sli": "rt", "pass": [{"criteria": ["<=+10%"]}]}],
            "total_score": {"pass": "90%"},
        }
    )
    outcome = evaluate(slo, [IndicatorValue(metric="rt", value=1, success=True)], previous)
    assert outcome.evaluation.indicator_results is not None
    value = outcome.evaluation.indicator_results[0].value
    assert value is not None
    return value.compared_value, outcome.evaluation.compared_events


@pytest.mark.parametrize(
    ("include", "baseline", "used"),
    [
        ("pass", 20.0, ["e2", "e4"]),  # (10 + 30) / 2
        ("pass_or_warn", 15.0, ["e2", "e3"]),  # (10 + 20) / 2
        ("all", 55.0, ["e1", "e2"]),  # (100 + 10) / 2
        ("", 55.0, ["e1", "e2"]),  # empty means all
        ("PASS", 20.0, ["e2", "e4"]),  # Keptn lower-cases the setting
        ("best", 55.0, ["e1", "e2"]),  # unknown words filter nothing
    ],
)
def test_include_result_with_score_filters_on_the_overall_result(
    include: str, baseline: float, used: list[str]
) -> None:
    comparison = {
        "compare_with": "several_results",
        "number_of_comparison_results": 2,
        "include_result_with_score": include,
    }
    # Each value sits in an indicator result whose own status is "fail": it is still used.
    assert _compare(comparison, HISTORY) == (baseline, used)


def test_single_result_uses_only_the_newest_matching_evaluation() -> None:
    comparison = {
        "compare_with": "single_result",
        "number_of_comparison_results": 3,
        "include_result_with_score": "pass",
    }
    assert _compare(comparison, HISTORY) == (10.0, ["e2"])


def test_compare_with_missing_in_a_present_block_uses_three_results() -> None:
    assert _compare({"include_result_with_score": "all"}, HISTORY) == (
        (100 + 10 + 20) / 3,
        ["e1", "e2", "e3"],
    )


def test_absent_comparison_block_uses_one_result_of_any_score() -> None:
    assert _compare({}, HISTORY)[1] == ["e1", "e2", "e3"]  # {} is a present, empty block
    slo = SloFile.model_validate(
        {
            "objectives": [{"sli": "rt", "pass": [{"criteria": ["<=+10%"]}]}],
            "total_score": {"pass": "90%"},
        }
    )
    outcome = evaluate(slo, [IndicatorValue(metric="rt", value=1, success=True)], HISTORY)
    assert outcome.evaluation.compared_events == ["e1"]


def test_fewer_previous_results_than_requested_is_not_an_error() -> None:
    comparison = {"compare_with": "several_results", "number_of_comparison_results": 10}
    assert _compare(comparison, HISTORY[:2]) == (55.0, ["e1", "e2"])


def test_values_without_value_object_or_unsuccessful_are_skipped_but_the_event_is_compared() -> (
    None
):
    no_value = PreviousEvaluation.model_validate(
        {"id": "n", "result": "pass", "indicatorResults": [None, {"value": None}, {"score": 1}]}
    )
    comparison = {"compare_with": "several_results", "number_of_comparison_results": 3}
    history = [no_value, _run("bad", "pass", 999, success=False), _run("ok", "pass", 40)]
    assert _compare(comparison, history) == (40.0, ["n", "bad", "ok"])


def test_no_successful_previous_value_skips_relative_criteria() -> None:
    comparison = {"compare_with": "several_results"}
    assert _compare(comparison, [_run("bad", "pass", 999, success=False)]) == (0.0, ["bad"])


def test_evaluation_finished_event_is_read_as_a_previous_evaluation() -> None:
    event = {
        "id": "c09c80ae",
        "type": "sh.keptn.event.evaluation.finished",
        "data": {
            "result": "pass",
            "evaluation": {
                "indicatorResults": [
                    {"status": "pass", "value": {"metric": "rt", "value": 200, "success": True}}
                ]
            },
        },
    }
    previous = PreviousEvaluation.from_event(event)
    assert previous.id == "c09c80ae"
    assert previous.result == "pass"
    assert _compare({}, [previous]) == (200.0, ["c09c80ae"])
