"""Total score and final result of an evaluation (reference 4.7), with Keptn's exact messages.

Numbers in messages are printed with Go's %v (75.3, 74, 100), thresholds are read with Go's
ParseFloat after removing one trailing '%'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain.gonum import format_go_float, parse_go_float
from chalicelib.domain.slo import SloTotalScore
from chalicelib.engine.lighthouse.models import IndicatorResult, ResultName
from chalicelib.engine.lighthouse.objectives import KeySliFailure
from chalicelib.errors import InvalidInput

NO_TARGET_SCORE = "no target score defined"
UNPARSABLE_PASS = "could not parse pass target percentage"
UNPARSABLE_WARNING = "could not parse warning target percentage"


class ScoreTargetError(InvalidInput):
    """total_score is missing or unreadable: Keptn reports the evaluation as errored."""


@dataclass(frozen=True, slots=True)
class ScoreDecision:
    """The evaluation's score in percent, its result, and the message to send."""

    score: float
    result: ResultName
    message: str


def decide(
    maximum_score: float,
    indicator_results: Sequence[IndicatorResult],
    total_score: SloTotalScore | None,
    key_sli_failure: KeySliFailure | None,
    message: str = "",
) -> ScoreDecision:
    """Turn objective scores into the result; `message` is kept unless a rule replaces it.

    Raise ScoreTargetError when a threshold is missing (pass) or unreadable (pass or warning).
    As in Keptn the thresholds are checked first, whatever the score: a gate of informational
    objectives only, or one that scores 100, still needs a readable total_score.
    """
    if total_score is None or not total_score.pass_:
        raise ScoreTargetError(NO_TARGET_SCORE)
    pass_threshold = _threshold(total_score.pass_, UNPARSABLE_PASS)
    warning_threshold = (
        _threshold(total_score.warning, UNPARSABLE_WARNING) if total_score.warning else None
    )
    if maximum_score == 0:
        # Only informational objectives: nothing can fail.
        return ScoreDecision(score=100.0, result="pass", message=message)
    achieved = 0.0
    for result in indicator_results:
        # Only objectives that reported pass targets count (informational ones never do).
        if result.pass_targets:
            achieved += result.score
    score = 100.0 * (achieved / maximum_score)
    if score >= pass_threshold and key_sli_failure is None:
        return ScoreDecision(score=score, result="pass", message=message)
    if warning_threshold is not None and key_sli_failure is None:
        if score >= warning_threshold:
            return ScoreDecision(
                score=score,
                result="warning",
                message=(
                    "Evaluation returned a warning: the calculated score of "
                    f"{format_go_float(score)} is close to the warning target value of "
                    f"{format_go_float(warning_threshold)}"
                ),
            )
        return ScoreDecision(
            score=score,
            result="fail",
            message=(
                f"Evaluation failed since the calculated score of {format_go_float(score)} "
                f"is below the warning value of {format_go_float(warning_threshold)}"
            ),
        )
    if key_sli_failure is not None:
        return ScoreDecision(
            score=score,
            result="fail",
            message=(
                f"Evaluation failed due to key_sli objective '{key_sli_failure.name}': "
                f"{key_sli_failure.message}"
            ),
        )
    return ScoreDecision(
        score=score,
        result="fail",
        message=(
            f"Evaluation failed since the calculated score of {format_go_float(score)} "
            f"is below the target value of {format_go_float(pass_threshold)}"
        ),
    )


def _threshold(text: str, error: str) -> float:
    value = parse_go_float(text.removesuffix("%"))
    if value is None:
        raise ScoreTargetError(error)
    return value
