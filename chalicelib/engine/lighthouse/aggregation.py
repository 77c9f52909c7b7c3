"""Aggregation of previous SLI values into one baseline: avg, p50, p90, p95 (reference 4.4)."""

from __future__ import annotations

import math
from collections.abc import Sequence

_PERCENTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95}


def aggregate(values: Sequence[float], function: str) -> float | None:
    """The baseline of `values`, or None when there is nothing to compare with (skip).

    `values` are the successful previous values of one SLI. An unknown function name gives 0
    rather than a skip (QUIRK kept from Keptn: relative criteria are then checked against 0).
    """
    if not values:
        return None
    if function == "avg":
        return average(values)
    share = _PERCENTILES.get(function)
    if share is None:
        return 0.0
    return percentile(values, share)


def average(values: Sequence[float]) -> float:
    """Arithmetic mean, summed left to right as Go does (no compensated summation)."""
    total = 0.0
    for value in values:
        total += value
    return total / len(values)


def percentile(values: Sequence[float], share: float) -> float:
    """Keptn's percentile: 1-based position share*(n+1), clamped, linearly interpolated."""
    # NaN sorts first, as Go's sort.Float64Slice orders it.
    if not values:
        return 0.0
    ordered = sorted(values, key=lambda value: (not math.isnan(value), value))
    size = len(ordered)
    position = share * float(size + 1)
    if position < 1.0:
        return ordered[0]
    if position >= float(size):
        return ordered[size - 1]
    lower = ordered[int(position) - 1]
    upper = ordered[int(position)]
    return lower + (position - math.floor(position)) * (upper - lower)
