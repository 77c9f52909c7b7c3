"""Which sequences start when a sequence finishes (reference 1.4 and 1.6).

Given the shipyard and the finished sequence's stage, name, result and last executed task,
decides the follow-up (stage, sequence) pairs, in shipyard order. Sending their `.triggered`
events (payload from `engine.payload.next_stage_data`) is the caller's job.
"""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.domain.shipyard import Shipyard, Trigger
from chalicelib.engine.completion import PASS, WARNING, canonical_result

RESULT_KEY = "result"


class FollowUp(NamedTuple):
    """A sequence to trigger next; compares equal to a plain `(stage, sequence)` tuple."""

    stage: str
    sequence: str


def follow_ups(
    shipyard: Shipyard,
    stage: str,
    sequence: str,
    result: str,
    last_task: str | None,
    *,
    interrupted: bool = False,
) -> list[FollowUp]:
    """The sequences to trigger after `<stage>.<sequence>` finished with `result`.

    `last_task` is the name of the last task the finished sequence executed (None when it ran
    none); `interrupted` is True when the sequence was aborted by a user or timed out, and such
    a sequence never chains. Every matching sequence is returned (fan-out), in shipyard order,
    each once. An empty list means the chain is over.
    """
    if interrupted:
        return []
    outcome = canonical_result(result)
    found: list[FollowUp] = []
    for follower_stage, follower, trigger in shipyard.triggered_by(stage, sequence):
        follow_up = FollowUp(follower_stage.name, follower.name)
        # A sequence with two triggers on the same event that both match starts once.
        if follow_up not in found and trigger_matches(trigger, outcome, last_task):
            found.append(follow_up)
    return found


def trigger_matches(trigger: Trigger, result: str, last_task: str | None) -> bool:
    """Whether `trigger` (already known to listen for the finished sequence) fires on `result`.

    No selector: fires on pass and on warning (Keptn's code; its spec says pass only).
    A selector fires when `match["result"]` or `match["<last_task>.result"]` equals the result;
    other keys are ignored, only equality counts, and `failed` is read as `fail`.
    """
    outcome = canonical_result(result)
    if trigger.selector is None:
        return outcome in (PASS, WARNING)
    # Keptn QUIRK kept: `match: {}` is a present selector with no keys, so it never matches.
    match = trigger.selector.match
    keys = [RESULT_KEY]
    if last_task:
        # Only the last executed task's result: a failing sequence stops at the failing task,
        # which is what `evaluation.result: fail` in a remediation loop relies on.
        keys.append(f"{last_task}.{RESULT_KEY}")
    # DEVIATION from Keptn: `failed` (as the spec and docs write it) matches a `fail` result.
    return any(key in match and canonical_result(match[key]) == outcome for key in keys)
