"""Per-objective evaluation (reference 4.6), through the public `evaluate()`."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.slo import SloFile
from chalicelib.engine.lighthouse import (
    EvaluationOutcome,
    IndicatorResult,
    IndicatorValue,
    PreviousEvaluation,
    SliTarget,
    evaluate,
)

THRESHOLDS = {"pass": "90%", "warning": "75%"}


def _slo(objectives: list[dict[str, Any]], **extra: Any) -> SloFile:
    return SloFile.model_validate({"objectives": objectives, "total_score": THRESHOLDS, **extra})


def _ok(metric: str, value: float) -> IndicatorValue:
    return IndicatorValue(metric=metric, value=value, success=True)


def _previous(*values: tuple[str, float]) -> PreviousEvaluation:
    results = [{"value": {"metric": m, "value": v, "success": True}} for m, v in values]
    return PreviousEvaluation.model_validate({"result": "pass", "indicatorResults": results})


def _results(outcome: EvaluationOutcome) -> list[IndicatorResult]:
    assert outcome.evaluation.indicator_results is not None
    return outcome.evaluation.indicator_results


def _targets(targets: list[SliTarget] | None) -> list[tuple[str, float, bool]] | None:
    if targets is None:
        return None
    return [(t.criteria, t.target_value, t.violated) for t in targets]


def test_second_objective_on_the_same_sli_finds_no_value_and_fails() -> None:
    objectives = [
        {"sli": "rt", "pass": [{"criteria": ["<100"]}]},
        {"sli": "rt", "pass": [{"criteria": ["<200"]}]},
    ]
    outcome = evaluate(_slo(objectives), [_ok("rt", 50)])
    first, second = _results(outcome)
    assert (first.status, first.score) == ("pass", 1.0)
    assert (second.status, second.score) == ("fail", 0.0)
    assert second.value == IndicatorValue(
        metric="rt", value=0, success=False, message="no value received from SLI provider"
    )
    assert _targets(second.pass_targets) == [("<200", 200.0, True)]
    # both count towards the maximum: 1 of 2 -> 50 %
    assert outcome.evaluation.score == 50.0
    assert outcome.result == "fail"


def test_missing_value_lists_every_target_violated_with_the_raw_baseline_for_relative_ones() -> (
    None
):
    objectives = [
        {
            "sli": "rt",
            "displayName": "Response time",
            "key_sli": True,
            "pass": [{"criteria": ["<=+10%", "<600"]}],
            "warning": [{"criteria": ["<=800", ">-5"]}],
        }
    ]
    outcome = evaluate(_slo(objectives), [], [_previous(("rt", 200))])
    (result,) = _results(outcome)
    assert result.status == "fail"
    assert result.score == 0.0
    # relative criteria show the baseline itself (200), not 220 or 195
    assert _targets(result.pass_targets) == [("<=+10%", 200.0, True), ("<600", 600.0, True)]
    assert _targets(result.warning_targets) == [("<=800", 800.0, True), (">-5", 200.0, True)]
    assert result.key_sli is False  # Keptn does not set the flag on a result without a value
    assert result.display_name == "Response time"
    assert outcome.message == (
        "Evaluation failed due to key_sli objective 'Response time': "
        "no value received from SLI provider"
    )


def test_unsuccessful_value_is_kept_as_received_and_its_message_explains_a_key_failure() -> None:
    failed = IndicatorValue(metric="rt", value=3, success=False, message="query timed out")
    objectives = [{"sli": "rt", "key_sli": True, "pass": [{"criteria": ["<10"]}]}]
    outcome = evaluate(_slo(objectives), [failed])
    (result,) = _results(outcome)
    assert result.value == failed
    assert (result.status, _targets(result.pass_targets)) == ("fail", [("<10", 10.0, True)])
    # without displayName the SLI names the objective
    assert outcome.message == "Evaluation failed due to key_sli objective 'rt': query timed out"


def test_missing_value_without_baseline_shows_target_zero_for_relative_criteria() -> None:
    objectives = [{"sli": "rt", "pass": [{"criteria": ["<=+10%"]}]}]
    (result,) = _results(evaluate(_slo(objectives), []))
    assert _targets(result.pass_targets) == [("<=+10%", 0.0, True)]
    # Keptn's getEmptyTargets returns a list for warning criteria too, even without any.
    assert result.warning_targets == []


def test_informational_objective_lists_warning_criteria_violated_and_never_counts() -> None:
    objectives: list[dict[str, Any]] = [
        {"sli": "rt", "pass": [{"criteria": ["<100"]}]},
        {"sli": "tp", "key_sli": True, "warning": [{"criteria": [">=+10%", "<5"]}]},
    ]
    previous = [_previous(("tp", 40))]
    outcome = evaluate(_slo(objectives), [_ok("rt", 50), _ok("tp", 99)], previous)
    rt, tp = _results(outcome)
    assert (tp.status, tp.score, tp.pass_targets) == ("info", 0.0, [])
    assert _targets(tp.warning_targets) == [(">=+10%", 40.0, True), ("<5", 5.0, True)]
    assert tp.value == _ok("tp", 99)  # as received: no comparedValue added
    assert tp.key_sli is True
    # a failing "key" informational objective does not fail the evaluation
    assert (outcome.result, outcome.evaluation.score, rt.status) == ("pass", 100.0, "pass")


def test_informational_objective_without_a_value_reports_null() -> None:
    outcome = evaluate(_slo([{"sli": "rt", "pass": []}]), [])
    (result,) = _results(outcome)
    assert (result.status, result.value, result.warning_targets) == ("info", None, [])


def test_compared_value_is_the_baseline_even_for_absolute_criteria() -> None:
    objectives = [{"sli": "rt", "pass": [{"criteria": ["<100"]}]}]
    comparison = {"compare_with": "several_results", "number_of_comparison_results": 2}
    previous = [_previous(("rt", 10)), _previous(("rt", 20)), _previous(("rt", 90))]
    outcome = evaluate(_slo(objectives, comparison=comparison), [_ok("rt", 50)], previous)
    (result,) = _results(outcome)
    assert result.value is not None
    assert result.value.compared_value == 15.0  # avg of the two newest: (10 + 20) / 2


def test_warning_criteria_are_reported_even_when_pass_holds() -> None:
    objectives = [
        {"sli": "rt", "pass": [{"criteria": ["<100"]}], "warning": [{"criteria": ["<10"]}]}
    ]
    (result,) = _results(evaluate(_slo(objectives), [_ok("rt", 50)]))
    assert result.status == "pass"
    assert _targets(result.warning_targets) == [("<10", 10.0, True)]


def test_warning_scores_half_the_weight() -> None:
    objectives = [
        {"sli": "a", "weight": 2, "pass": [{"criteria": ["<10"]}]},
        {
            "sli": "b",
            "weight": 2,
            "pass": [{"criteria": ["<10"]}],
            "warning": [{"criteria": ["<20"]}],
        },
    ]
    outcome = evaluate(_slo(objectives), [_ok("a", 5), _ok("b", 15)])
    a, b = _results(outcome)
    assert (a.score, b.status, b.score) == (2.0, "warning", 1.0)
    assert outcome.evaluation.score == 75.0  # 3 of 4
    assert outcome.result == "warning"


def test_key_sli_failing_its_criteria_fails_the_evaluation_with_keptns_message() -> None:
    objectives = [
        {"sli": "a", "weight": 9, "pass": [{"criteria": ["<10"]}]},
        {"sli": "k", "displayName": "Errors", "key_sli": True, "pass": [{"criteria": ["=0"]}]},
    ]
    outcome = evaluate(_slo(objectives), [_ok("a", 5), _ok("k", 1)])
    assert outcome.evaluation.score == 90.0  # 9 of 10: would pass without the key SLI
    assert (outcome.result, outcome.evaluation.result) == ("fail", "fail")
    assert outcome.message == (
        "Evaluation failed due to key_sli objective 'Errors': failed evaluation with score 0.000000"
    )
    assert _results(outcome)[1].key_sli is True


def test_key_sli_in_warning_state_is_not_a_key_failure() -> None:
    objectives = [
        {
            "sli": "k",
            "key_sli": True,
            "pass": [{"criteria": ["<10"]}],
            "warning": [{"criteria": ["<20"]}],
        },
    ]
    outcome = evaluate(_slo(objectives, total_score={"pass": "50%"}), [_ok("k", 15)])
    assert (outcome.result, outcome.evaluation.score) == ("pass", 50.0)


def test_unparsable_pass_criterion_ends_the_evaluation() -> None:
    objectives = [
        {"sli": "a", "pass": [{"criteria": ["<10"]}]},
        {"sli": "rt", "displayName": "Response time", "pass": [{"criteria": ["<10", "about 5"]}]},
    ]
    outcome = evaluate(_slo(objectives), [_ok("a", 1), _ok("rt", 1)])
    assert (outcome.status, outcome.result) == ("succeeded", "fail")
    assert outcome.message == "error with Response time: invalid criteria string"
    assert outcome.evaluation.score == 0.0
    assert outcome.evaluation.result == "fail"
    assert outcome.evaluation.indicator_results is None


def test_unparsable_pass_criterion_is_named_by_sli_without_display_name() -> None:
    objectives = [{"sli": "rt", "pass": [{"criteria": ["<=1O"]}]}]
    outcome = evaluate(_slo(objectives), [_ok("rt", 1)])
    assert outcome.message == "error with rt: could not parse criteria target value"


def test_unparsable_warning_criterion_makes_the_warning_unmet_without_targets() -> None:
    # Keptn's evaluateOrCombinedCriteria returns (false, [], err) on the first bad criterion,
    # and the caller ignores the error for warning criteria.
    objectives = [
        {
            "sli": "rt",
            "pass": [{"criteria": ["<1"]}],
            "warning": [{"criteria": ["<10"]}, {"criteria": ["<x"]}],
        }
    ]
    (result,) = _results(evaluate(_slo(objectives), [_ok("rt", 5)]))
    assert result.status == "fail"
    assert result.warning_targets == []


def test_unknown_aggregate_function_compares_relative_criteria_with_zero() -> None:
    objectives = [{"sli": "rt", "pass": [{"criteria": ["<=+10%"]}]}]
    comparison = {"aggregate_function": "median"}
    outcome = evaluate(
        _slo(objectives, comparison=comparison), [_ok("rt", 5)], [_previous(("rt", 50))]
    )
    (result,) = _results(outcome)
    assert _targets(result.pass_targets) == [("<=+10%", 0.0, True)]
    assert result.value is not None
    assert result.value.compared_value == 0.0


def test_additional_slis_are_named_in_keptns_order_when_the_gate_passes() -> None:
    objectives = [{"sli": "a", "pass": [{"criteria": ["<10"]}]}]
    values = [_ok("a", 1), _ok("b", 1), _ok("c", 1), _ok("d", 1)]
    outcome = evaluate(_slo(objectives), values)
    # Keptn removes "a" by moving the last value ("d") into its place: d, b, c remain.
    assert outcome.result == "pass"
    assert outcome.message == (
        "Lighthouse received additional SLIs, which are not specified as SLO: d, b, c . "
        "Please consider using them as an SLO."
    )


def test_additional_slis_message_is_replaced_by_the_failure_message() -> None:
    objectives = [{"sli": "a", "pass": [{"criteria": ["<10"]}]}]
    outcome = evaluate(_slo(objectives), [_ok("a", 50), _ok("b", 1)])
    assert outcome.message == (
        "Evaluation failed since the calculated score of 0 is below the warning value of 75"
    )


def test_empty_criteria_sets_pass_without_targets_and_add_nothing_to_the_score() -> None:
    # pass: [{criteria: []}] holds vacuously; with no pass targets it is not summed, while its
    # weight still counts in the maximum.
    objectives = [
        {"sli": "a", "pass": [{"criteria": []}]},
        {"sli": "b", "pass": [{"criteria": ["<10"]}]},
    ]
    outcome = evaluate(_slo(objectives, total_score={"pass": "50%"}), [_ok("a", 1), _ok("b", 1)])
    a, _ = _results(outcome)
    assert (a.status, a.score, a.pass_targets) == ("pass", 1.0, None)
    assert outcome.evaluation.score == 50.0


def test_unparsable_pass_criterion_of_a_missing_value_is_left_out_of_the_targets() -> None:
    # Keptn parses criteria only for a value it received; getEmptyTargets skips bad ones.
    objectives = [{"sli": "rt", "pass": [{"criteria": ["below 5", "<3"]}]}]
    outcome = evaluate(_slo(objectives), [])
    (result,) = _results(outcome)
    assert (outcome.result, result.status) == ("fail", "fail")
    assert _targets(result.pass_targets) == [("<3", 3.0, True)]
    assert outcome.message == (
        "Evaluation failed since the calculated score of 0 is below the warning value of 75"
    )
