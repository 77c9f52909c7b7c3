"""Benchmark of the lighthouse: mean time per evaluation and how it grows with its inputs.

Run: .venv/bin/python bench/evaluation.py [repetitions]

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
    values = [
        IndicatorValue(metric=name, value=100.0 + index, success=True)
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


def _mean_seconds(case: Case, repetitions: int) -> float:
    slo, values, previous = _inputs(case)
    evaluate(slo, values, previous)  # warm-up: criteria cache, imports
    started = time.perf_counter()
    for _ in range(repetitions):
        evaluate(slo, values, previous)
    return (time.perf_counter() - started) / repetitions


def main() -> None:
    """Measure the small and the large case side by side and print how cost scales."""
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    small, large = Case(objectives=10, previous=5), Case(objectives=100, previous=50)
    cases = [small, Case(objectives=100, previous=5), Case(objectives=10, previous=50), large]
    print(f"lighthouse evaluate(): mean of {repetitions} repetitions per case")
    print(f"{'objectives':>10} {'previous':>8} {'ms/eval':>9} {'us/objective':>13}")
    means: dict[Case, float] = {}
    for case in cases:
        means[case] = _mean_seconds(case, repetitions)
        milliseconds = means[case] * 1e3
        per_objective = means[case] / case.objectives * 1e6
        print(
            f"{case.objectives:>10} {case.previous:>8} {milliseconds:>9.3f} {per_objective:>13.1f}"
        )
    work_ratio = (large.objectives * large.previous) / (small.objectives * small.previous)
    time_ratio = means[large] / means[small]
    print(
        f"100x50 vs 10x5: {time_ratio:.1f}x the time for {work_ratio:.0f}x the objective x "
        f"previous pairs ({large.objectives // small.objectives}x the objectives)"
    )


if __name__ == "__main__":
    main()
