"""slo.yaml / sli.yaml models and Keptn's defaults (reference 4.3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from chalicelib.domain.sli import SliFile
from chalicelib.domain.slo import SloFile
from chalicelib.engine.lighthouse import comparison_settings, effective_objectives


def _settings(document: dict[str, Any]) -> tuple[str, str, int, str, int]:
    settings = comparison_settings(SloFile.model_validate(document))
    return (
        settings.compare_with,
        settings.include_result_with_score,
        settings.number_of_comparison_results,
        settings.aggregate_function,
        settings.results_to_fetch,
    )


def test_absent_or_null_comparison_block_compares_with_one_result_of_any_score() -> None:
    expected = ("single_result", "all", 1, "avg", 1)
    assert _settings({}) == expected
    assert _settings({"comparison": None}) == expected


def test_present_comparison_block_defaults_count_to_three_and_fetches_three() -> None:
    # compare_with empty -> 3 previous results (Keptn quirk), number 0 -> 3 even in a block.
    assert _settings({"comparison": {}}) == ("", "all", 3, "avg", 3)
    assert _settings({"comparison": {"number_of_comparison_results": 0}}) == (
        "",
        "all",
        3,
        "avg",
        3,
    )


def test_results_fetched_per_compare_with() -> None:
    several = {"compare_with": "several_results", "number_of_comparison_results": 7}
    assert _settings({"comparison": several})[4] == 7
    single = {"compare_with": "single_result", "number_of_comparison_results": 7}
    assert _settings({"comparison": single})[4] == 1
    assert _settings({"comparison": {"compare_with": "several_results"}})[4] == 3
    assert _settings({"comparison": {"compare_with": "whatever"}})[4] == 3


def test_unknown_comparison_words_are_accepted_as_written() -> None:
    document = {"comparison": {"include_result_with_score": "best", "aggregate_function": "max"}}
    assert _settings(document)[1:4] == ("best", 3, "max")


@pytest.mark.parametrize(
    ("written", "weight"),
    [(None, 1), (0, 1), (3, 3), (2.5, 2), (0.5, 1)],
    ids=["absent", "zero", "three", "float-truncated", "truncated-to-zero-then-default"],
)
def test_weight_defaults_to_one_and_is_truncated_like_go(
    written: float | None, weight: int
) -> None:
    objective: dict[str, Any] = {"sli": "a"}
    if written is not None:
        objective["weight"] = written
    (effective,) = effective_objectives(SloFile.model_validate({"objectives": [objective]}))
    assert effective.weight == weight


def test_null_objectives_are_dropped_and_flags_default() -> None:
    slo = SloFile.model_validate({"objectives": [None, {"sli": "a"}, None]})
    (objective,) = effective_objectives(slo)
    assert (objective.sli, objective.display_name, objective.key_sli) == ("a", "", False)
    assert objective.is_informational


def test_pass_and_warning_sets_keep_their_order_and_null_criteria_become_empty() -> None:
    slo = SloFile.model_validate(
        {"objectives": [{"sli": "a", "pass": [{"criteria": ["<1", "<2"]}, {"criteria": None}]}]}
    )
    (objective,) = effective_objectives(slo)
    assert objective.pass_sets == (("<1", "<2"), ())
    assert not objective.is_informational


def test_scalars_read_as_text_like_keptn() -> None:
    slo = SloFile.model_validate(
        {
            "spec_version": 1.0,
            "filter": {"handler": "cart", "id": 12},
            "objectives": [{"sli": "a", "pass": [{"criteria": ["<=10", None]}]}],
            "total_score": {"pass": 90, "warning": "75%"},
        }
    )
    assert slo.spec_version == "1.0"
    assert slo.filter == {"handler": "cart", "id": "12"}
    assert slo.total_score is not None
    assert (slo.total_score.pass_, slo.total_score.warning) == ("90", "75%")
    assert effective_objectives(slo)[0].pass_sets == (("<=10", ""),)


def test_unknown_keys_are_ignored_and_only_keptn_spellings_are_read() -> None:
    slo = SloFile.model_validate(
        {"comments": "ours", "objectives": [{"sli": "a", "display_name": "A", "extra": 1}]}
    )
    # display_name is not Keptn's key (displayName is): ignored, as Keptn's decoder does.
    assert effective_objectives(slo)[0].display_name == ""
    named = SloFile.model_validate({"objectives": [{"sli": "a", "displayName": "A"}]})
    assert effective_objectives(named)[0].display_name == "A"


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"objectives": {"sli": "a"}}, "objectives"),
        ({"objectives": [{"sli": "a", "pass": [{"criteria": "<10"}]}]}, "criteria"),
        ({"objectives": [{"sli": "a", "weight": "2"}]}, "weight"),
        ({"objectives": [{"sli": "a", "weight": -1}]}, "weight"),
        ({"objectives": [{"sli": "a", "key_sli": "maybe"}]}, "key_sli"),
        ({"comparison": {"number_of_comparison_results": -2}}, "number_of_comparison_results"),
        ({"comparison": ["several_results"]}, "comparison"),
        ({"total_score": {"pass": ["90%"]}}, "pass"),
        ({"objectives": [{"sli": "a", "pass": [None]}]}, "pass"),
    ],
    ids=[
        "objectives-not-a-list",
        "criteria-not-a-list",
        "weight-text",
        "weight-negative",
        "key-sli-not-bool",
        "negative-count",
        "comparison-not-a-mapping",
        "threshold-not-a-scalar",
        "empty-criteria-set-entry",
    ],
)
def test_invalid_shapes_are_refused_naming_the_field(document: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SloFile.model_validate(document)
    assert any(where in problem["loc"] for problem in raised.value.errors())


def test_keptn_example_slo_and_sli_files_are_accepted(reference_dir: Path) -> None:
    examples = sorted((reference_dir / "keptn-examples").glob("*.yaml"))
    slo_files = [path for path in examples if "_slo" in path.name]
    sli_files = [path for path in examples if "_sli" in path.name or "sli-config" in path.name]
    assert slo_files
    assert sli_files
    for path in slo_files:
        SloFile.model_validate(yaml.safe_load(path.read_text()))
    for path in sli_files:
        assert SliFile.model_validate(yaml.safe_load(path.read_text())).indicators


def test_sli_file_keeps_provider_keys_and_reads_queries_as_text() -> None:
    sli = SliFile.model_validate(
        {"spec_version": "1.0", "indicators": {"a": "rate(x)", "b": 5}, "dashboard": "d1"}
    )
    assert sli.indicators == {"a": "rate(x)", "b": "5"}
    assert sli.model_extra == {"dashboard": "d1"}
    with pytest.raises(ValidationError):
        SliFile.model_validate({"indicators": ["a", "b"]})
