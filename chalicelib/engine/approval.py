"""The approval decision matrix of the approval service (reference 2.4).

From an `approval.triggered` event's data (the previous result and the task's `pass`/`warning`
strategies) decides whether the approval is given automatically, declined automatically, or
waits for a human, and the message of the `approval.started` event. Sending the events is the
caller's job.

An absent or empty strategy means `manual`: that is what Keptn's approval service does; its spec
and docs say `automatic`. Users' shipyards were tested against the code, so we follow the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.engine.completion import FAIL, PASS, WARNING, canonical_result

APPROVAL_TASK = "approval"
STARTED_MESSAGE = "Approval strategy for result '{result}': {strategy}"


class Strategy(StrEnum):
    """How a result is approved: by the service at once, or by a human."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


class Verdict(StrEnum):
    """What the approval service does with an `approval.triggered`."""

    AUTO_PASS = "auto_pass"  # send .started and .finished(result pass)
    AUTO_FAIL = "auto_fail"  # send .started and .finished(result fail)
    WAIT = "wait"  # send .started only; a human sends .finished later


@dataclass(frozen=True)
class ApprovalDecision:
    """The decision for one `approval.triggered` and what to send for it."""

    verdict: Verdict
    previous_result: str
    strategy: Strategy

    @property
    def started_message(self) -> str:
        """The `message` of the `approval.started` event, word for word as Keptn writes it."""
        return STARTED_MESSAGE.format(result=self.previous_result, strategy=self.strategy)

    @property
    def finished_result(self) -> str | None:
        """The `result` of the `approval.finished` to send at once; None when waiting."""
        if self.verdict is Verdict.AUTO_PASS:
            return PASS
        if self.verdict is Verdict.AUTO_FAIL:
            return FAIL
        return None


def previous_result(triggered_data: Mapping[str, Any]) -> str:
    """The result the approval is about: `result`, or `evaluation.result` when that is empty.

    Keptn falls back to `evaluation.result` for approvals placed right after a quality gate
    whose `.triggered` carried no `result` (keptn/keptn#4391). Empty when neither is set.
    """
    result = canonical_result(triggered_data.get("result"))
    if result:
        return result
    evaluation = triggered_data.get("evaluation")
    if isinstance(evaluation, Mapping):
        return canonical_result(evaluation.get("result"))
    return ""


def decide(result: str, properties: Mapping[str, Any]) -> ApprovalDecision:
    """Apply the matrix of reference 2.4 to the previous `result` and the task `properties`.

    `properties` are the approval task's `pass`/`warning` strategies (the `approval` object of
    the `.triggered` data). Only the literal `automatic` approves on its own; anything else,
    absent included, is manual. A `fail` is declined whatever the strategies; an empty or
    unknown result waits for a human.
    """
    outcome = canonical_result(result)
    if outcome == PASS:
        return _pass_or_wait(outcome, properties.get("pass"))
    if outcome == WARNING:
        return _pass_or_wait(outcome, properties.get("warning"))
    if outcome == FAIL:
        # Keptn labels an automatic decline `automatic`.
        return ApprovalDecision(Verdict.AUTO_FAIL, outcome, Strategy.AUTOMATIC)
    return ApprovalDecision(Verdict.WAIT, outcome, Strategy.MANUAL)


def decide_triggered(triggered_data: Mapping[str, Any]) -> ApprovalDecision:
    """The decision for an `approval.triggered` event's data (result plus `data.approval`)."""
    properties = triggered_data.get(APPROVAL_TASK)
    return decide(
        previous_result(triggered_data),
        properties if isinstance(properties, Mapping) else {},
    )


def _pass_or_wait(result: str, strategy: Any) -> ApprovalDecision:
    if strategy == Strategy.AUTOMATIC:
        return ApprovalDecision(Verdict.AUTO_PASS, result, Strategy.AUTOMATIC)
    # Absent, empty or any other value: manual (Keptn's code; its spec says automatic).
    return ApprovalDecision(Verdict.WAIT, result, Strategy.MANUAL)
