"""Task completion and aggregation (reference 3.3), with finished-without-started completing."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.engine.completion import (
    TaskOutcome,
    aggregate_outcome,
    canonical_result,
    complete_task,
    is_task_complete,
)


@pytest.mark.parametrize(
    ("started", "finished", "complete"),
    [
        (0, 0, False),  # nothing answered yet
        (1, 0, False),  # started, still running
        (1, 1, True),
        (2, 1, False),  # two executors started, one finished: wait for the other
        (2, 2, True),
        (1, 2, False),  # counts differ: sources are not paired, only counted
        (3, 3, True),
    ],
)
def test_complete_when_finished_equals_started_and_is_at_least_one(
    started: int, finished: int, complete: bool
) -> None:
    assert is_task_complete(started, finished) is complete


@pytest.mark.parametrize("finished", [1, 2])
def test_deviation_finished_without_any_started_completes(finished: int) -> None:
    # Keptn hangs the sequence forever here; we complete the task.
    assert is_task_complete(0, finished) is True


def test_negative_counts_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        is_task_complete(-1, 1)


def _finished(result: str | None, status: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"project": "sockshop", "stage": "dev", "service": "carts"}
    if result is not None:
        data["result"] = result
    if status is not None:
        data["status"] = status
    return data


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # result rule, every status succeeded
        ([("pass", "succeeded")], ("pass", "succeeded")),
        ([("pass", "succeeded"), ("pass", "succeeded")], ("pass", "succeeded")),
        ([("pass", "succeeded"), ("warning", "succeeded")], ("warning", "succeeded")),
        ([("warning", "succeeded"), ("fail", "succeeded")], ("fail", "succeeded")),
        ([("pass", "succeeded"), ("", "succeeded")], ("fail", "succeeded")),
        ([("pass", "succeeded"), (None, "succeeded")], ("fail", "succeeded")),
        ([("pass", "succeeded"), ("excellent", "succeeded")], ("fail", "succeeded")),
        ([("pass", "succeeded"), ("failed", "succeeded")], ("fail", "succeeded")),
        # status rule
        ([("pass", "succeeded"), ("pass", "errored")], ("pass", "errored")),
        ([("fail", "errored")], ("fail", "errored")),
        ([("pass", "aborted"), ("pass", "errored")], ("pass", "errored")),
        ([("pass", "succeeded"), ("warning", "aborted")], ("warning", "aborted")),
        ([("pass", "aborted"), ("pass", "unknown")], ("pass", "aborted")),
        # neither errored nor aborted, not all succeeded: unknown, and the result forced to fail
        ([("pass", "succeeded"), ("pass", "unknown")], ("fail", "unknown")),
        ([("pass", "succeeded"), ("pass", None)], ("fail", "unknown")),
        ([("warning", "")], ("fail", "unknown")),
    ],
)
def test_aggregation_table(
    answers: list[tuple[str | None, str | None]], expected: tuple[str, str]
) -> None:
    outcome = aggregate_outcome([_finished(result, status) for result, status in answers])
    assert (outcome.result, outcome.status) == expected


def test_aggregating_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        aggregate_outcome([])


@pytest.mark.parametrize(
    ("outcome", "stops"),
    [
        (TaskOutcome("pass", "succeeded"), False),
        (TaskOutcome("warning", "succeeded"), False),  # a warning runs the next task (1.6)
        (TaskOutcome("fail", "succeeded"), True),
        (TaskOutcome("pass", "errored"), True),
        (TaskOutcome("fail", "unknown"), True),
    ],
)
def test_fail_or_errored_stops_the_sequence(outcome: TaskOutcome, stops: bool) -> None:
    assert outcome.stops_sequence is stops


def test_failed_reads_as_fail() -> None:
    assert canonical_result("failed") == "fail"
    assert canonical_result("fail") == "fail"
    assert canonical_result("warning") == "warning"
    assert canonical_result(None) == ""


def test_a_completed_task_carries_the_outcome_and_the_merged_finished_data() -> None:
    helm = {
        **_finished("pass", "succeeded"),
        "message": "deployed",
        "deployment": {"deploymentURIsLocal": ["http://helm"]},
    }
    job = {
        **_finished("warning", "succeeded"),
        "message": "smoke test slow",
        "deployment": {"deploymentURIsLocal": ["http://job"]},
    }
    task = complete_task("deployment", "t1", [helm, job])
    assert (task.name, task.result, task.status) == ("deployment", "warning", "succeeded")
    assert task.data == {
        "project": "sockshop",
        "stage": "dev",
        "service": "carts",
        "result": "warning",
        "status": "succeeded",
        "message": "smoke test slow",
        "deployment": {"deploymentURIsLocal": ["http://job", "http://helm"]},
    }
