"""The lighthouse: Keptn 1.4.5's SLO evaluation, reproduced exactly and kept pure (no I/O).

Use `evaluate()` for a whole quality gate and `resolve_window()` for the evaluation window; the
other names are the building blocks, exposed for tests, the validator and the CLI.
"""

from __future__ import annotations

from chalicelib.domain.gonum import format_go_float, parse_go_float
from chalicelib.engine.lighthouse.aggregation import aggregate, average, percentile
from chalicelib.engine.lighthouse.baseline import Baselines, select_previous
from chalicelib.engine.lighthouse.criteria import (
    CriteriaError,
    Criterion,
    check,
    compare,
    parse_criterion,
)
from chalicelib.engine.lighthouse.evaluate import (
    errored,
    evaluate,
    no_sli_provider,
    no_slo_file,
    not_evaluated,
    provider_failure,
    slo_unreadable,
)
from chalicelib.engine.lighthouse.models import (
    EvaluationDetails,
    EvaluationOutcome,
    GetSliResult,
    IndicatorResult,
    IndicatorValue,
    PreviousEvaluation,
    PreviousIndicatorResult,
    SliTarget,
)
from chalicelib.engine.lighthouse.objectives import (
    CriterionParseError,
    KeySliFailure,
    ObjectivesEvaluation,
    evaluate_objectives,
)
from chalicelib.engine.lighthouse.scoring import ScoreDecision, ScoreTargetError, decide
from chalicelib.engine.lighthouse.settings import (
    ComparisonSettings,
    Objective,
    comparison_settings,
    effective_objectives,
)
from chalicelib.engine.lighthouse.window import (
    WindowError,
    format_timestamp,
    parse_timestamp,
    resolve_window,
    window_from_parameters,
)

__all__ = [
    "Baselines",
    "ComparisonSettings",
    "CriteriaError",
    "Criterion",
    "CriterionParseError",
    "EvaluationDetails",
    "EvaluationOutcome",
    "GetSliResult",
    "IndicatorResult",
    "IndicatorValue",
    "KeySliFailure",
    "Objective",
    "ObjectivesEvaluation",
    "PreviousEvaluation",
    "PreviousIndicatorResult",
    "ScoreDecision",
    "ScoreTargetError",
    "SliTarget",
    "WindowError",
    "aggregate",
    "average",
    "check",
    "compare",
    "comparison_settings",
    "decide",
    "effective_objectives",
    "errored",
    "evaluate",
    "evaluate_objectives",
    "format_go_float",
    "format_timestamp",
    "no_sli_provider",
    "no_slo_file",
    "not_evaluated",
    "parse_criterion",
    "parse_go_float",
    "parse_timestamp",
    "percentile",
    "provider_failure",
    "resolve_window",
    "select_previous",
    "slo_unreadable",
    "window_from_parameters",
]
