"""The lighthouse entry point: SLO file + SLI values + earlier evaluations -> evaluation.finished.

Pure: the caller fetches the SLO file, the get-sli.finished event and the previous evaluations
(newest first, invalidated ones excluded) and sends the outcome. Outcomes that Keptn reports as
results (a failed gate, a bad criterion, an errored SLI provider) are returned, never raised.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from chalicelib.domain.slo import SloFile
from chalicelib.engine.lighthouse.baseline import Baselines, select_previous
from chalicelib.engine.lighthouse.models import (
    EvaluationDetails,
    EvaluationOutcome,
    EventStatus,
    GetSliResult,
    IndicatorValue,
    PreviousEvaluation,
    ResultName,
)
from chalicelib.engine.lighthouse.objectives import (
    CriterionParseError,
    ObjectivesEvaluation,
    evaluate_objectives,
)
from chalicelib.engine.lighthouse.scoring import ScoreTargetError, decide
from chalicelib.engine.lighthouse.settings import comparison_settings, effective_objectives

NO_OBJECTIVES = "lighthouse failed because no SLO objective was provided"


def evaluate(
    slo: SloFile,
    sli_values: Sequence[IndicatorValue],
    previous: Sequence[PreviousEvaluation] = (),
    get_sli: GetSliResult | None = None,
    *,
    time_start: str = "",
    time_end: str = "",
    slo_file_content: bytes = b"",
) -> EvaluationOutcome:
    """Evaluate `slo` exactly as Keptn 1.4.5's lighthouse does (reference section 4).

    `sli_values` are get-sli.finished `indicatorValues`; `previous` are earlier evaluations of
    the same project/stage/service, newest first (more than needed is fine: the SLO's comparison
    block picks them). `get_sli` carries that event's status/result/message; `time_start`,
    `time_end` are its start/end; `slo_file_content` is the raw file, sent base64-encoded.
    """
    sli = get_sli or GetSliResult()
    content = base64.b64encode(slo_file_content).decode("ascii")
    failure = provider_failure(sli, time_start, time_end)
    if failure is not None:
        return failure
    return _evaluate_objectives(slo, sli, sli_values, previous, time_start, time_end, content)


def provider_failure(
    get_sli: GetSliResult, time_start: str = "", time_end: str = ""
) -> EvaluationOutcome | None:
    """The errored evaluation for a get-sli.finished that is errored or aborted, else None."""
    if get_sli.status == "aborted":
        return errored("evaluation performed by lighthouse was aborted", time_start, time_end)
    if get_sli.status == "errored":
        return errored(
            f"evaluation performed by lighthouse received an unexpected error: {get_sli.message}",
            time_start,
            time_end,
        )
    return None


def _evaluate_objectives(
    slo: SloFile,
    sli: GetSliResult,
    sli_values: Sequence[IndicatorValue],
    previous: Sequence[PreviousEvaluation],
    time_start: str,
    time_end: str,
    content: str,
) -> EvaluationOutcome:
    """Keptn's order once the SLI values are in (docs/quality-gates.md, "Which outcome wins"):
    a bad pass criterion, then a missing or unreadable total_score, then the score; then
    "no objectives" and, after it, a failed get-sli replace the result and message."""
    objectives = effective_objectives(slo)
    settings = comparison_settings(slo)
    selected = select_previous(previous, settings)
    compared_events = [evaluation.id for evaluation in selected if evaluation.id]
    if objectives:
        try:
            baselines = Baselines(selected, settings.aggregate_function)
            evaluated = evaluate_objectives(objectives, sli_values, baselines)
        except CriterionParseError as error:
            # Returned as it is: neither "no objectives" nor a failed get-sli replaces it.
            return _failed(error.message, time_start, time_end, content, compared_events)
    else:
        # Keptn scores an empty objective list against a maximum of 100 (so 0 %), then
        # replaces the result below: the thresholds are still read and can error it.
        evaluated = ObjectivesEvaluation([], 100.0, None, "")
    try:
        decision = decide(
            evaluated.maximum_score,
            evaluated.indicator_results,
            slo.total_score,
            evaluated.key_sli_failure,
            evaluated.additional_slis_message,
        )
    except ScoreTargetError as error:
        return errored(error.message, time_start, time_end, content)
    result, message = decision.result, decision.message
    if not objectives:
        result, message = "fail", NO_OBJECTIVES
    elif sli.result == "fail":
        # QUIRK kept from Keptn (its test E2E-05): the event fails, the evaluation keeps its
        # computed result and score.
        result, message = "fail", f"lighthouse failed because SLI failed with message {sli.message}"
    return EvaluationOutcome(
        result=result,
        status="succeeded",
        message=message,
        evaluation=EvaluationDetails.model_construct(
            time_start=time_start,
            time_end=time_end,
            result=decision.result,
            score=decision.score,
            slo_file_content=content,
            indicator_results=evaluated.indicator_results if objectives else None,
            compared_events=compared_events,
        ),
    )


def errored(
    message: str, time_start: str = "", time_end: str = "", slo_file_content: str = ""
) -> EvaluationOutcome:
    """Keptn's errored evaluation.finished: status errored, result fail, no indicator results."""
    return _unscored("fail", "errored", message, time_start, time_end, slo_file_content)


def _failed(
    message: str, time_start: str, time_end: str, content: str, compared_events: list[str]
) -> EvaluationOutcome:
    # A completed evaluation that fails without scoring (a bad pass criterion); Keptn still
    # reports the evaluations it had fetched for comparison.
    return _unscored("fail", "succeeded", message, time_start, time_end, content, compared_events)


def not_evaluated(message: str, time_start: str = "", time_end: str = "") -> EvaluationOutcome:
    """A gate Keptn lets pass without evaluating (no SLO file, no SLI provider)."""
    return _unscored("pass", "succeeded", message, time_start, time_end, "")


def _unscored(
    result: ResultName,
    status: EventStatus,
    message: str,
    time_start: str,
    time_end: str,
    slo_file_content: str,
    compared_events: list[str] | None = None,
) -> EvaluationOutcome:
    """An outcome with score 0 and no indicator results."""
    return EvaluationOutcome(
        result=result,
        status=status,
        message=message,
        evaluation=EvaluationDetails(
            time_start=time_start,
            time_end=time_end,
            result=result,
            score=0.0,
            slo_file_content=slo_file_content,
            compared_events=compared_events or [],
        ),
    )


def no_slo_file(project: str, time_start: str = "", time_end: str = "") -> EvaluationOutcome:
    """No slo.yaml for the service: the gate passes, as in Keptn."""
    return not_evaluated(
        "no evaluation performed by lighthouse because no SLO file configured for project "
        f"{project}",
        time_start,
        time_end,
    )


def no_sli_provider(project: str, time_start: str = "", time_end: str = "") -> EvaluationOutcome:
    """No SLI provider configured for the project: the gate passes with score 0, as in Keptn.

    Keptn decides this after reading the SLO file, so an unreadable SLO file wins over it."""
    return not_evaluated(
        "no evaluation performed by lighthouse because no SLI-provider configured for project "
        f"{project}",
        time_start,
        time_end,
    )


def slo_unreadable(detail: str, time_start: str = "", time_end: str = "") -> EvaluationOutcome:
    """The SLO file could not be read or parsed (or its service/stage/project is gone)."""
    return errored(f"error retrieving SLO file: {detail}", time_start, time_end)
