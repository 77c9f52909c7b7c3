"""The evaluation.finished data as a whole: get-sli outcomes, canned outcomes, wire format."""

from __future__ import annotations

import base64
from typing import Any

from chalicelib.domain.slo import SloFile
from chalicelib.engine.lighthouse import (
    GetSliResult,
    IndicatorValue,
    PreviousEvaluation,
    evaluate,
    no_sli_provider,
    no_slo_file,
    slo_unreadable,
)

SLO = SloFile.model_validate(
    {
        "objectives": [
            {"sli": "rt", "displayName": "RT", "pass": [{"criteria": ["<=+10%", "<600"]}]}
        ],
        "total_score": {"pass": "90%", "warning": "75%"},
    }
)
GOOD = [IndicatorValue(metric="rt", value=100, success=True)]


def test_get_sli_failure_fails_the_event_but_keeps_the_computed_evaluation() -> None:
    outcome = evaluate(SLO, GOOD, [], GetSliResult(result="fail", message="provider down"))
    assert (outcome.status, outcome.result) == ("succeeded", "fail")
    assert outcome.message == "lighthouse failed because SLI failed with message provider down"
    assert (outcome.evaluation.result, outcome.evaluation.score) == ("pass", 100.0)
    assert outcome.evaluation.indicator_results is not None


def test_get_sli_errored_and_aborted_are_errored_evaluations() -> None:
    errored = evaluate(SLO, GOOD, [], GetSliResult(status="errored", message="no token"))
    assert (errored.status, errored.result, errored.message) == (
        "errored",
        "fail",
        "evaluation performed by lighthouse received an unexpected error: no token",
    )
    assert errored.evaluation.indicator_results is None
    assert errored.evaluation.result == "fail"
    # errored wins over a failed result
    both = evaluate(SLO, GOOD, [], GetSliResult(status="errored", result="fail", message="x"))
    assert both.message == "evaluation performed by lighthouse received an unexpected error: x"
    aborted = evaluate(SLO, GOOD, [], GetSliResult(status="aborted", message="ignored"))
    assert (aborted.status, aborted.result, aborted.message) == (
        "errored",
        "fail",
        "evaluation performed by lighthouse was aborted",
    )


def test_canned_outcomes_for_gates_that_are_not_evaluated() -> None:
    missing = no_slo_file("shop", "2024-01-01T10:00:00.000Z", "2024-01-01T10:05:00.000Z")
    assert (missing.status, missing.result, missing.evaluation.result) == (
        "succeeded",
        "pass",
        "pass",
    )
    assert missing.message == (
        "no evaluation performed by lighthouse because no SLO file configured for project shop"
    )
    assert missing.evaluation.time_start == "2024-01-01T10:00:00.000Z"
    provider = no_sli_provider("shop")
    assert (provider.result, provider.evaluation.score) == ("pass", 0.0)
    assert provider.message == (
        "no evaluation performed by lighthouse because no SLI-provider configured for project shop"
    )
    unreadable = slo_unreadable("stage 'prod' not found")
    assert (unreadable.status, unreadable.result, unreadable.message) == (
        "errored",
        "fail",
        "error retrieving SLO file: stage 'prod' not found",
    )


def test_wire_format_uses_keptns_field_names_and_omits_empty_optional_fields() -> None:
    previous = PreviousEvaluation.model_validate(
        {
            "id": "prev-1",
            "result": "pass",
            "indicatorResults": [{"value": {"metric": "rt", "value": 100, "success": True}}],
        }
    )
    raw = b"objectives: []\n"
    outcome = evaluate(
        SLO,
        [
            IndicatorValue(metric="rt", value=105, success=True),
            IndicatorValue(metric="x", message="m"),
        ],
        [previous],
        time_start="2024-01-01T10:00:00.000Z",
        time_end="2024-01-01T10:05:00.000Z",
        slo_file_content=raw,
    )
    data: dict[str, Any] = outcome.to_event_data()
    assert data == {
        "result": "pass",
        "status": "succeeded",
        "message": (
            "Lighthouse received additional SLIs, which are not specified as SLO: x . "
            "Please consider using them as an SLO."
        ),
        "evaluation": {
            "timeStart": "2024-01-01T10:00:00.000Z",
            "timeEnd": "2024-01-01T10:05:00.000Z",
            "result": "pass",
            "score": 100.0,
            "sloFileContent": base64.b64encode(raw).decode(),
            "indicatorResults": [
                {
                    "score": 1.0,
                    "value": {
                        "metric": "rt",
                        "value": 105.0,
                        "comparedValue": 100.0,
                        "success": True,
                    },
                    "displayName": "RT",
                    "passTargets": [
                        {"criteria": "<=+10%", "targetValue": 110.0, "violated": False},
                        {"criteria": "<600", "targetValue": 600.0, "violated": False},
                    ],
                    "warningTargets": None,
                    "keySli": False,
                    "status": "pass",
                }
            ],
            "comparedEvents": ["prev-1"],
        },
    }
    assert "comparedEvents" not in evaluate(SLO, GOOD).to_event_data()["evaluation"]


def test_values_read_like_keptns_json_decoder() -> None:
    value = IndicatorValue.model_validate({"metric": "rt", "value": None})
    assert (value.value, value.success, value.message) == (0.0, False, "")
    assert (
        IndicatorValue.model_validate(
            {"metric": "rt", "value": 3, "comparedValue": 2}
        ).compared_value
        == 2.0
    )


def test_get_sli_failure_message_replaces_a_scored_result_only() -> None:
    # Keptn: "no SLO objective" is checked before the failed get-sli, and a criterion error
    # returns before either; an errored evaluation is never replaced.
    failed_sli = GetSliResult(result="fail", message="provider down")
    no_objectives = evaluate(
        SloFile.model_validate({"objectives": [], "total_score": {"pass": "90%"}}),
        [],
        [],
        failed_sli,
    )
    assert no_objectives.message == "lighthouse failed because no SLO objective was provided"
    bad_criterion = evaluate(
        SloFile.model_validate(
            {"objectives": [{"sli": "rt", "pass": [{"criteria": ["x"]}]}], "total_score": {}}
        ),
        GOOD,
        [],
        failed_sli,
    )
    assert bad_criterion.message == "error with rt: invalid criteria string"
    no_threshold = evaluate(
        SloFile.model_validate({"objectives": [{"sli": "rt", "pass": [{"criteria": ["<1"]}]}]}),
        GOOD,
        [],
        failed_sli,
    )
    assert (no_threshold.status, no_threshold.message) == ("errored", "no target score defined")
