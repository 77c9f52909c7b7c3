"""Task completion and result aggregation (reference 3.3).

Decides from the `.started`/`.finished` counts of one task `.triggered` whether the task is
complete, and aggregates the results and statuses of its `.finished` events into the task's
outcome. The counting itself (atomic, per `triggeredid`) is the store's job; this module only
decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.outcomes import Result, Status
from chalicelib.domain.runs import CompletedTask
from chalicelib.engine.payload import merge_finished

PASS = Result.PASS.value
WARNING = Result.WARNING.value
FAIL = Result.FAIL.value
FAILED_ALIAS = "failed"

SUCCEEDED = Status.SUCCEEDED.value
ERRORED = Status.ERRORED.value
ABORTED = Status.ABORTED.value
UNKNOWN = Status.UNKNOWN.value


@dataclass(frozen=True)
class TaskOutcome:
    """The aggregated `result` and `status` of a completed task."""

    result: str
    status: str

    @property
    def stops_sequence(self) -> bool:
        """A failed or errored task ends its sequence; no further task runs (reference 1.6)."""
        return self.result == FAIL or self.status == ERRORED


def canonical_result(value: object) -> str:
    """`value` as a result string, with `failed` read as `fail`.

    DEVIATION from Keptn: its docs write `failed` but its code only knows `fail`; we accept
    both spellings and always produce `fail`. Non-strings read as "" (no result).
    """
    if not isinstance(value, str):
        return ""
    return FAIL if value == FAILED_ALIAS else value


def is_task_complete(started: int, finished: int) -> bool:
    """Whether a task with these `.started`/`.finished` counts is complete.

    Keptn: complete when finished == started and finished >= 1 (sources are not paired).
    DEVIATION: also complete when a `.finished` arrives and no `.started` was ever received;
    Keptn would hang the sequence forever (the timeout watcher counts the `.finished` as an
    answer), which helps nobody.
    """
    if started < 0 or finished < 0:
        raise ValueError(
            f"event counts cannot be negative (started={started}, finished={finished})"
        )
    if finished == 0:
        return False
    return finished == started or started == 0


def aggregate_outcome(finished_datas: Sequence[Mapping[str, Any]]) -> TaskOutcome:
    """Aggregate the `result`/`status` of all `.finished` events of one task (reference 3.3).

    result: `fail` if any result is not pass/warning (an empty or missing one included), else
    `warning` if any is warning, else `pass`. status: `errored` if any errored, else `aborted` if
    any aborted, else `succeeded` if all succeeded, else `unknown` with the result forced to
    `fail`.
    """
    if not finished_datas:
        raise ValueError("a task outcome needs at least one .finished event")
    results = [canonical_result(data.get("result")) for data in finished_datas]
    statuses = [data.get("status") for data in finished_datas]
    if any(result not in (PASS, WARNING) for result in results):
        result = FAIL
    elif WARNING in results:
        result = WARNING
    else:
        result = PASS
    if ERRORED in statuses:
        return TaskOutcome(result=result, status=ERRORED)
    if ABORTED in statuses:
        return TaskOutcome(result=result, status=ABORTED)
    if all(status == SUCCEEDED for status in statuses):
        return TaskOutcome(result=result, status=SUCCEEDED)
    return TaskOutcome(result=FAIL, status=UNKNOWN)


def complete_task(
    name: str, triggered_id: str, finished_datas: Sequence[Mapping[str, Any]]
) -> CompletedTask:
    """The completed task: aggregated outcome plus the merged data of its `.finished` events.

    `finished_datas` are the `.finished` events' data in arrival order.
    """
    outcome = aggregate_outcome(finished_datas)
    return CompletedTask(
        name=name,
        triggered_id=triggered_id,
        result=outcome.result,
        status=outcome.status,
        data=merge_finished(finished_datas),
    )
