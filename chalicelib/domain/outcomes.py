"""Keptn's result and status values of a task or sequence, as the control plane sets them.

Tools may answer with other text (their `.finished` data is kept as sent), so stored results
stay strings; these are the values the control plane itself writes. Wire values are Keptn's.
"""

from __future__ import annotations

from enum import StrEnum


class Result(StrEnum):
    PASS = "pass"
    WARNING = "warning"
    FAIL = "fail"


class Status(StrEnum):
    SUCCEEDED = "succeeded"
    ERRORED = "errored"
    ABORTED = "aborted"
    UNKNOWN = "unknown"  # a task's `.finished` events carried no status the control plane knows
