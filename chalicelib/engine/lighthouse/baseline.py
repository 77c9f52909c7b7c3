"""Which earlier evaluations are compared with, and each SLI's baseline from them (reference 4.4).

All previous values are indexed by SLI in one pass; each SLI's aggregate is computed at most once
per evaluation, however many criteria refer to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.engine.lighthouse.aggregation import aggregate
from chalicelib.engine.lighthouse.models import PreviousEvaluation
from chalicelib.engine.lighthouse.settings import ComparisonSettings

_ACCEPTED_RESULTS: dict[str, frozenset[str]] = {
    "pass": frozenset({"pass"}),
    "pass_or_warn": frozenset({"pass", "warning"}),
}


def select_previous(
    previous: Sequence[PreviousEvaluation], settings: ComparisonSettings
) -> list[PreviousEvaluation]:
    """The evaluations compared with: newest first, filtered on their overall result, at most N.

    `previous` must be newest first and exclude invalidated evaluations. The filter is on the
    overall `data.result` (Keptn issue 2388): a failed objective inside a passing evaluation
    still contributes its value. Keptn lower-cases the setting; anything other than pass /
    pass_or_warn (all, or an unknown word) keeps every evaluation.
    """
    accepted = _ACCEPTED_RESULTS.get(settings.include_result_with_score.lower())
    limit = settings.results_to_fetch
    selected: list[PreviousEvaluation] = []
    for evaluation in previous:
        if len(selected) >= limit:
            break
        if accepted is None or evaluation.result in accepted:
            selected.append(evaluation)
    return selected


class Baselines:
    """Aggregated previous values per SLI; None for an SLI without successful previous values."""

    def __init__(self, selected: Sequence[PreviousEvaluation], aggregate_function: str) -> None:
        self._function = aggregate_function
        self._values: dict[str, list[float]] = {}
        self._aggregated: dict[str, float | None] = {}
        values = self._values
        for evaluation in selected:
            for result in evaluation.indicator_results or ():
                # Entries without a value object, and unsuccessful values, never count.
                if result is None:
                    continue
                value = result.value
                if value is None or not value.success:
                    continue
                bucket = values.get(value.metric)
                if bucket is None:
                    values[value.metric] = [value.value]
                else:
                    bucket.append(value.value)

    def values(self, sli: str) -> list[float]:
        """Successful previous values of `sli`, newest evaluation first."""
        return list(self._values.get(sli, ()))

    def of(self, sli: str) -> float | None:
        """The aggregated baseline of `sli`, or None when relative criteria must be skipped."""
        if sli not in self._aggregated:
            self._aggregated[sli] = aggregate(self._values.get(sli, ()), self._function)
        return self._aggregated[sli]
