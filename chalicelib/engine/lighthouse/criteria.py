"""Criteria at evaluation time: target values and comparison (reference 4.5).

The grammar itself (parse_criterion, Criterion, CriteriaError) is in chalicelib.domain.slo_criteria,
shared with the validator; this module decides whether a measurement meets a parsed criterion.
"""

from __future__ import annotations

from chalicelib.domain.slo_criteria import CriteriaError, Criterion, parse_criterion

NO_OPERATOR = "no operator set"

__all__ = ["NO_OPERATOR", "CriteriaError", "Criterion", "check", "compare", "parse_criterion"]


def compare(measured: float, operator: str, expected: float) -> bool:
    """`measured <operator> expected`; `=` is exact float equality, as in Keptn."""
    if operator == "<":
        return measured < expected
    if operator == "<=":
        return measured <= expected
    if operator == "=":
        return measured == expected
    if operator == ">=":
        return measured >= expected
    if operator == ">":
        return measured > expected
    raise CriteriaError(NO_OPERATOR)


def check(criterion: Criterion, measured: float, baseline: float | None) -> tuple[float, bool]:
    """(targetValue, satisfied) of one criterion; `baseline` None means no previous values.

    Without a baseline a relative criterion is satisfied with target 0 (Keptn's "skip").
    """
    if not criterion.relative:
        return criterion.value, compare(measured, criterion.operator, criterion.value)
    if baseline is None:
        return 0.0, True
    target = criterion.target(baseline)
    return target, compare(measured, criterion.operator, target)
