"""Benchmark of the lighthouse: time per evaluation and how it grows with its inputs.

Run: .venv/bin/python bench/evaluation.py [rounds]  (default 20)

Each case evaluates N objectives (relative and absolute pass criteria, a warning criterion)
against P earlier evaluations that all take part in the comparison (several_results, P).
Inputs are built once; only `evaluate()` is timed, as the lighthouse handler would call it.
Prints numbers only: no thresholds, no pass/fail.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from chalicelib.domain.slo import SloFile
from chalicelib.engine.lighthouse import IndicatorValue, PreviousEvaluation, evaluate


@dataclass(frozen=True)
class Case:
    """One benchmark size."""

    objectives: int
    previous: int


def _inputs(case: Case) -> tuple[SloFile, list[IndicatorValue], list[PreviousEvaluation]]:
    names = [f"sli_{index}" for index in range(case.objectives)]
    slo = SloFile.model_validate(
        {
            "comparison": {
                "compare_with": "several_results",
                "number_of_comparison_results": case.previous,
                "include_result_with_score": "pass_or_warn",
                "aggregate_function": "p90",
            },
            "objectives": [
                {
                    "sli": name,
                    "displayName": name.upper(),
                    "key_sli": index == 0,
                    "pass": [{"criteria": ["<=+10%", "<600"]}, {"criteria": ["<=50"]}],
                    "warning": [{"criteria": ["<=800"]}],
                }
                for index, name in enumerate(names)
            ],
            "total_score": {"pass": "90%", "warning": "75%"},
        }
    )
    # Values repeat every 100 objectives, so each size has the same mix of passing, warning
    # and failing objectives (and the same work per objective).
    values = [
        IndicatorValue(metric=name, value=100.0 + index % 100, success=True)
        for index, name in enumerate(names)
    ]
    previous = [
        PreviousEvaluation.model_validate(
            {
                "id": f"evaluation-{run}",
                "result": "pass" if run % 4 else "warning",
                "indicatorResults": [
                    {
                        "status": "pass",
                        "value": {
                            "metric": name,
                            "value": 90.0 + (run * index) % 30,
                            "success": True,
                        },
                    }
                    for index, name in enumerate(names)
                ],
            }
        )
        for run in range(case.previous)
    ]
    return slo, values, previous


def _best_seconds(cases: list[Case], rounds: int) -> dict[Case, float]:
    """Fastest time per evaluation of each case, the cases interleaved round after round so
    that a noisy moment on a shared machine hits them all alike."""
    inputs = {case: _inputs(case) for case in cases}
    for slo, values, previous in inputs.values():
        evaluate(slo, values, previous)  # warm-up: criteria cache, imports
    # About as many objective x previous pairs per round for every case.
    largest = max(case.objectives * case.previous for case in cases)
    repeats = {case: max(1, largest // (case.objectives * case.previous)) for case in cases}
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for case, (slo, values, previous) in inputs.items():
            started = time.perf_counter()
            for _ in range(repeats[case]):
                evaluate(slo, values, previous)
            best[case] = min(best[case], (time.perf_counter() - started) / repeats[case])
    return best


def main() -> None:
    """100 objectives x 50 earlier evaluations, then 10x each, side by side; print the ratios."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    base = Case(objectives=100, previous=50)
    more_objectives = Case(objectives=1000, previous=50)
    more_history = Case(objectives=100, previous=500)
    print(f"lighthouse evaluate(): best of {rounds} interleaved rounds per case")
    print(f"{'objectives':>10} {'previous':>8} {'ms/eval':>9} {'us/objective':>13}")
    best = _best_seconds([base, more_objectives, more_history], rounds)
    for case in (base, more_objectives, more_history):
        milliseconds = best[case] * 1e3
        per_objective = best[case] / case.objectives * 1e6
        print(
            f"{case.objectives:>10} {case.previous:>8} {milliseconds:>9.3f} {per_objective:>13.1f}"
        )
    for label, case in (("10x the objectives", more_objectives), ("10x the history", more_history)):
        ratio = best[case] / best[base]
        verdict = "linear or better" if ratio <= 10 * 1.25 else "worse than linear"
        print(f"{label}: {ratio:.1f}x the time (linear: 10x) -> {verdict}")


if __name__ == "__main__":
    main()
