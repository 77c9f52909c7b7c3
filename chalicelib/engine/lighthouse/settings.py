"""Keptn's defaults applied to an `slo.yaml` as written (reference 4.3), computed once per file.

Everything the evaluation needs is turned into plain frozen dataclasses here, so the hot path
never looks at optional fields again.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.slo import SloCriteriaSet, SloFile, SloObjective

CriteriaSets = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class ComparisonSettings:
    """The `comparison` block after Keptn's defaults."""

    compare_with: str
    include_result_with_score: str
    number_of_comparison_results: int
    aggregate_function: str

    @property
    def results_to_fetch(self) -> int:
        """How many previous evaluations are compared with.

        QUIRK kept from Keptn: any compare_with other than single_result / several_results
        (including an empty one) fetches 3, although the spec says single_result is the default.
        """
        if self.compare_with == "single_result":
            return 1
        if self.compare_with == "several_results":
            return self.number_of_comparison_results
        return 3


#: Used when the whole `comparison` block is absent (or null).
ABSENT_COMPARISON = ComparisonSettings(
    compare_with="single_result",
    include_result_with_score="all",
    number_of_comparison_results=1,
    aggregate_function="avg",
)


@dataclass(frozen=True, slots=True)
class Objective:
    """One objective after defaults: informational when it has no pass criteria sets."""

    sli: str
    display_name: str
    pass_sets: CriteriaSets
    warning_sets: CriteriaSets
    weight: int
    key_sli: bool

    @property
    def is_informational(self) -> bool:
        """No pass criteria (absent or `pass: []`): reported as info, never scored."""
        return not self.pass_sets

    @property
    def name(self) -> str:
        """What messages call the objective: its displayName, else its SLI."""
        return self.display_name or self.sli


def comparison_settings(slo: SloFile) -> ComparisonSettings:
    """Apply Keptn's defaults to the comparison block (reference 4.3)."""
    block = slo.comparison
    if block is None:
        return ABSENT_COMPARISON
    # QUIRK kept from Keptn: 0 or absent means 3 even though the block is present.
    count = _go_int(block.number_of_comparison_results)
    return ComparisonSettings(
        compare_with=block.compare_with or "",
        include_result_with_score=block.include_result_with_score or "all",
        number_of_comparison_results=count or 3,
        aggregate_function=block.aggregate_function or "avg",
    )


def effective_objectives(slo: SloFile) -> list[Objective]:
    """Objectives in file order, null entries dropped, weight 0/absent -> 1."""
    return [_objective(entry) for entry in slo.objectives or () if entry is not None]


def _objective(entry: SloObjective) -> Objective:
    return Objective(
        sli=entry.sli or "",
        display_name=entry.display_name or "",
        pass_sets=_criteria_sets(entry.pass_),
        warning_sets=_criteria_sets(entry.warning),
        weight=_go_int(entry.weight) or 1,
        key_sli=bool(entry.key_sli),
    )


def _criteria_sets(sets: list[SloCriteriaSet] | None) -> CriteriaSets:
    return tuple(tuple(entry.criteria or ()) for entry in sets or ())


def _go_int(number: int | float | None) -> int:
    # Go's yaml decoder truncates a float toward zero when the field is an int.
    return 0 if number is None else int(number)
