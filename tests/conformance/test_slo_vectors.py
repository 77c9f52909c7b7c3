"""Every case of Keptn's lighthouse test vectors (../shared/reference/slo-vectors.yaml).

The file is read when the tests run, through the `reference_dir` fixture (skipped when
../shared is absent); collection only counts the cases so each one is its own test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.domain.slo import SloFile, SloTotalScore
from chalicelib.engine.lighthouse import (
    Baselines,
    CriteriaError,
    IndicatorResult,
    IndicatorValue,
    KeySliFailure,
    PreviousEvaluation,
    SliTarget,
    aggregate,
    check,
    compare,
    comparison_settings,
    decide,
    effective_objectives,
    evaluate,
    evaluate_objectives,
    parse_criterion,
    percentile,
    select_previous,
)
from tests.conftest import SHARED_REFERENCE

VECTORS_FILE = "slo-vectors.yaml"
Vector = dict[str, Any]


def _case_count(section: str) -> int:
    # Collection needs the number of cases; the test itself re-reads through the fixture.
    path = SHARED_REFERENCE / VECTORS_FILE
    if not path.is_file():
        return 1  # one placeholder case, skipped by the reference_dir fixture
    return len(yaml.safe_load(path.read_text())[section])


def _cases(section: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("index", range(_case_count(section)))


@pytest.fixture(scope="module")
def vectors(reference_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((reference_dir / VECTORS_FILE).read_text())
    return loaded


def _vector(vectors: dict[str, Any], section: str, index: int) -> Vector:
    cases: list[Vector] = vectors[section]
    return cases[index]


def _targets(targets: list[SliTarget] | None) -> list[list[Any]] | None:
    if targets is None:
        return None
    return [[target.criteria, target.target_value, target.violated] for target in targets]


def _previous_runs(values: list[float]) -> list[PreviousEvaluation]:
    """One passing previous evaluation per value, newest first."""
    return [
        PreviousEvaluation.model_validate(
            {
                "result": "pass",
                "indicatorResults": [{"value": {"metric": "m", "value": value, "success": True}}],
            }
        )
        for value in values
    ]


# --- defaults ---------------------------------------------------------------------------


def test_defaults_when_the_comparison_block_is_missing(vectors: dict[str, Any]) -> None:
    expected = vectors["defaults_applied_when_parsing_slo"]["comparison_block_missing"]
    settings = comparison_settings(SloFile.model_validate({"objectives": []}))
    assert {
        "compare_with": settings.compare_with,
        "include_result_with_score": settings.include_result_with_score,
        "number_of_comparison_results": settings.number_of_comparison_results,
        "aggregate_function": settings.aggregate_function,
    } == expected


def test_defaults_when_the_comparison_block_is_present_but_empty(vectors: dict[str, Any]) -> None:
    expected = vectors["defaults_applied_when_parsing_slo"]["comparison_block_present"]
    settings = comparison_settings(SloFile.model_validate({"comparison": {}}))
    assert settings.include_result_with_score == expected["include_result_with_score"]
    assert settings.number_of_comparison_results == expected["number_of_comparison_results"]
    assert settings.aggregate_function == expected["aggregate_function"]


def test_default_objective_weight(vectors: dict[str, Any]) -> None:
    expected = vectors["defaults_applied_when_parsing_slo"]["objective_weight"]
    slo = SloFile.model_validate({"objectives": [{"sli": "a"}, {"sli": "b", "weight": 0}]})
    assert [objective.weight for objective in effective_objectives(slo)] == [expected, expected]


def test_number_of_previous_results_fetched(vectors: dict[str, Any]) -> None:
    expected = vectors["defaults_applied_when_parsing_slo"]["previous_results_fetched"]
    assert expected["several_results"] == "number_of_comparison_results"

    def fetched(comparison: dict[str, Any]) -> int:
        slo = SloFile.model_validate({"comparison": comparison})
        return comparison_settings(slo).results_to_fetch

    assert (
        fetched({"compare_with": "single_result", "number_of_comparison_results": 5})
        == (expected["single_result"])
    )
    assert fetched({"compare_with": "several_results", "number_of_comparison_results": 5}) == 5
    assert fetched({"compare_with": ""}) == expected["other_or_empty"]
    assert fetched({"compare_with": "latest_result"}) == expected["other_or_empty"]


# --- criteria -----------------------------------------------------------------------------


@_cases("criteria_parsing")
def test_criteria_parsing(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "criteria_parsing", index)
    criterion = parse_criterion(case["criteria"])
    assert (
        criterion.operator,
        criterion.value,
        criterion.percentage,
        criterion.relative,
        criterion.increase,
    ) == (case["operator"], case["value"], case["pct"], case["relative"], case["increase"])


@_cases("operator_evaluation")
def test_operator_evaluation(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "operator_evaluation", index)
    if "error" in case:
        with pytest.raises(CriteriaError) as raised:
            compare(case["measured"], case["operator"], case["expected"])
        assert raised.value.message == case["error"]
        assert case["result"] is False
    else:
        assert compare(case["measured"], case["operator"], case["expected"]) is case["result"]


# --- aggregation --------------------------------------------------------------------------


@_cases("percentile")
def test_percentile(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "percentile", index)
    assert percentile([float(v) for v in case["values"]], case["p"]) == case["expected"]


@_cases("aggregate_values")
def test_aggregate_values(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "aggregate_values", index)
    previous = [
        PreviousEvaluation.model_validate(
            {"result": "pass", "indicatorResults": [{"value": {"metric": "m", **entry}}]}
        )
        for entry in case["previous"]
    ]
    slo = SloFile.model_validate(
        {"comparison": {"compare_with": "several_results", "aggregate_function": case["function"]}}
    )
    settings = comparison_settings(slo)
    baseline = Baselines(select_previous(previous, settings), settings.aggregate_function).of("m")
    if case["skip"]:
        assert baseline is None
    else:
        assert baseline == case["expected"]


# --- single criteria and criteria sets ----------------------------------------------------


@_cases("single_criterion")
def test_single_criterion(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "single_criterion", index)
    baseline = aggregate([float(v) for v in case["previous"]], case["function"])
    target, satisfied = check(parse_criterion(case["criteria"]), case["value"], baseline)
    assert (target, satisfied) == (case["target"], case["satisfied"])


def _evaluate_sets(value: float, sets: list[list[str]]) -> IndicatorResult:
    """One objective with these pass sets, previous values [10, 10] averaged."""
    slo = SloFile.model_validate(
        {
            "comparison": {"compare_with": "several_results", "number_of_comparison_results": 2},
            "objectives": [{"sli": "m", "pass": [{"criteria": criteria} for criteria in sets]}],
            "total_score": {"pass": "90%"},
        }
    )
    outcome = evaluate(
        slo, [IndicatorValue(metric="m", value=value, success=True)], _previous_runs([10, 10])
    )
    assert outcome.evaluation.indicator_results is not None
    return outcome.evaluation.indicator_results[0]


@_cases("criteria_set_and")
def test_criteria_set_and(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "criteria_set_and", index)
    result = _evaluate_sets(case["value"], [case["criteria"]])
    assert (result.status == "pass") is case["satisfied"]
    assert _targets(result.pass_targets) == case["targets"]


@_cases("criteria_sets_or")
def test_criteria_sets_or(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "criteria_sets_or", index)
    result = _evaluate_sets(case["value"], case["sets"])
    assert (result.status == "pass") is case["satisfied"]
    assert _targets(result.pass_targets) == case["targets"]


# --- objectives ---------------------------------------------------------------------------


def _inputs(case: Vector) -> tuple[SloFile, list[IndicatorValue], list[PreviousEvaluation]]:
    slo = SloFile.model_validate(case["slo"])
    values = [IndicatorValue.model_validate(value) for value in case["sli_values"]]
    # The vectors list only evaluations that pass the SLO's include_result_with_score filter.
    previous = [
        PreviousEvaluation.model_validate(
            {"result": "pass", "indicatorResults": [{"value": value} for value in run]}
        )
        for run in case["previous"]
    ]
    return slo, values, previous


@_cases("objective_vectors")
def test_objective_vectors_asserted(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "objective_vectors", index)
    slo, values, previous = _inputs(case)
    settings = comparison_settings(slo)
    baselines = Baselines(select_previous(previous, settings), settings.aggregate_function)
    evaluated = evaluate_objectives(effective_objectives(slo), values, baselines)
    asserted = case["asserted"]
    assert evaluated.maximum_score == asserted["maximum_score"]
    if "key_sli_failed" in asserted:
        assert (evaluated.key_sli_failure is not None) is asserted["key_sli_failed"]
    assert len(evaluated.indicator_results) == len(asserted["objectives"])
    for result, expected in zip(evaluated.indicator_results, asserted["objectives"], strict=True):
        assert result.value is not None
        assert result.value.metric == expected["sli"]
        assert result.status == expected["status"]
        assert result.score == expected["score"]
        if "compared_value" in expected:
            assert result.value.compared_value == expected["compared_value"]
        if "value" in expected:
            assert result.value.value == expected["value"]
        if "pass_targets" in expected:
            assert _targets(result.pass_targets) == expected["pass_targets"]
        if "warning_targets" in expected:
            assert _targets(result.warning_targets) == expected["warning_targets"]


@_cases("objective_vectors")
def test_objective_vectors_derived_total(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "objective_vectors", index)
    outcome = evaluate(*_inputs(case))
    derived = case["derived"]
    assert outcome.status == "succeeded"
    assert outcome.evaluation.score == derived["score"]
    assert outcome.evaluation.result == derived["result"]
    assert outcome.result == derived["result"]
    if "message" in derived:
        assert outcome.message == derived["message"]


# --- total score --------------------------------------------------------------------------


@_cases("score_vectors")
def test_score_vectors(vectors: dict[str, Any], index: int) -> None:
    case = _vector(vectors, "score_vectors", index)
    results = [
        IndicatorResult(
            score=entry["score"],
            value=IndicatorValue(metric=entry["sli"], success=True),
            pass_targets=(
                [SliTarget(criteria="<1", target_value=1, violated=False)]
                if entry["has_pass_targets"]
                else None
            ),
            key_sli=entry.get("key_sli", False),
            status=entry.get("status", "pass"),
        )
        for entry in case["objective_results"]
    ]
    failed = case["key_sli_failed"]
    key_sli_failure = KeySliFailure(failed["name"], failed["message"]) if failed else None
    decision = decide(
        case["maximum_score"],
        results,
        SloTotalScore.model_validate({"pass": "90%", "warning": "75%"}),
        key_sli_failure,
    )
    expected = case["expected"]
    assert decision.score == expected["score"]
    assert decision.result == expected["result"]
    if "data_result" in expected:
        assert decision.result == expected["data_result"]
    if "message" in expected:
        assert decision.message == expected["message"]
