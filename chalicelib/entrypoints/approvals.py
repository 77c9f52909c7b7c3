"""Approval handlers and routes: the approval service on the bus, and human decisions."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import container, sequencing_deps
from chalicelib.entrypoints.http_support import api_view, identity_of, json_object
from chalicelib.entrypoints.sequencing import bus_event
from chalicelib.observability import observed

approvals = Blueprint(__name__)


@approvals.lambda_function(name="approval")
@observed("approval")
def approval(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.approvals.service import on_approval_triggered

    triggered = bus_event(event)
    if triggered is not None:
        on_approval_triggered(triggered, sequencing_deps(), container().events)


@approvals.route(
    "/v1/project/{project}/stage/{stage}/service/{service}/approval/{triggered_id}",
    methods=["POST"],
)
@approvals.route("/v1/project/{project}/stage/{stage}/approval/{triggered_id}", methods=["POST"])
@api_view
def decide_approval(
    project: str, stage: str, triggered_id: str, service: str | None = None
) -> dict[str, str]:
    from chalicelib.services.approvals.decisions import decide

    request = approvals.current_request
    return decide(
        (project, stage, service),
        triggered_id,
        json_object(request),
        identity_of(request),
        sequencing_deps(),
    )
