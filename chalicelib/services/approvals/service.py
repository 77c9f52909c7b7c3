"""The approval service: answers `sh.keptn.event.approval.triggered` as Keptn's did (2.4).

Automatic decisions send `approval.started` and `approval.finished` at once; manual ones send
`approval.started` and `sh.keptn.event.approval.waiting`, a notification carrying what is about
to be deployed (the `configurationChange` and the configuration diff since the last deployment,
see config_diff.py), and wait for a human (`POST .../approval/{triggeredId}` or
`approval.finished`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.domain.durations import parse_go_duration
from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type, task_event_type
from chalicelib.domain.events import KeptnEvent, format_time, parse_time
from chalicelib.engine.approval import Verdict, decide_triggered
from chalicelib.ports import EventStore
from chalicelib.services.approvals.config_diff import waiting_diff
from chalicelib.services.sequencing.common import (
    SequencingDeps,
    answer_task,
    publish,
    stable_id,
)

APPROVAL = "approval"
APPROVAL_SOURCE = "approval-service"
WAITING = task_event_type(APPROVAL, "waiting")


def on_approval_triggered(
    event: KeptnEvent, deps: SequencingDeps, events: EventStore
) -> Verdict | None:
    parsed = parse_event_type(event.type)
    if parsed.kind is not TypeKind.TASK or parsed.name != APPROVAL:
        return None
    if parsed.phase != Phase.TRIGGERED:
        return None
    decision = decide_triggered(event.data)
    scope = {key: event.data.get(key) for key in ("project", "stage", "service")}
    answer(
        event,
        "started",
        {**scope, "status": "succeeded", "message": decision.started_message},
        deps,
    )
    if decision.finished_result is not None:
        answer(
            event,
            "finished",
            {
                **scope,
                "status": "succeeded",
                "result": decision.finished_result,
                "message": decision.started_message,
            },
            deps,
        )
    else:
        publish(
            deps,
            event_id=stable_id(event.id, "waiting"),
            event_type=WAITING,
            context=event.shkeptncontext,
            triggeredid=event.id,
            gitcommitid=event.gitcommitid,
            data={
                **scope,
                **waiting_details(event.data),
                **expiry_of(event),
                "configurationDiff": waiting_diff(event, events, deps.config),
            },
        )
    return decision.verdict


def answer(
    triggered: KeptnEvent, phase: str, data: dict[str, Any], deps: SequencingDeps
) -> KeptnEvent:
    """The approval service's `approval.<phase>` for `triggered`."""
    return answer_task(deps, triggered, APPROVAL, phase, data, APPROVAL_SOURCE)


def waiting_details(data: dict[str, Any]) -> dict[str, Any]:
    """What a person needs to decide: the evaluation and what would be deployed."""
    details: dict[str, Any] = {"message": "waiting for approval"}
    evaluation = data.get("evaluation")
    if isinstance(evaluation, dict):
        details["evaluation"] = {
            key: evaluation[key] for key in ("result", "score") if key in evaluation
        }
    if data.get("result"):
        details["result"] = data["result"]
    change = data.get("configurationChange")
    if isinstance(change, dict):
        details["configurationChange"] = change
    if isinstance(data.get("labels"), dict):
        details["labels"] = data["labels"]
    return details


def expiry_of(triggered: KeptnEvent) -> dict[str, str]:
    """`expiresAt` when the approval has a `timeout` (it expires then; signed approval links
    in chat messages expire with it), else nothing."""
    properties = triggered.data.get(APPROVAL)
    timeout = properties.get("timeout") if isinstance(properties, dict) else None
    if not isinstance(timeout, str):
        return {}
    try:
        seconds = parse_go_duration(timeout)
    except ValueError:
        return {}
    return {"expiresAt": format_time(parse_time(triggered.time) + timedelta(seconds=seconds))}
