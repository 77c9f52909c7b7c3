"""Approval handlers and routes: the approval service on the bus, and human decisions."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.entrypoints.sequencing import bus_event, sequencing_deps
from chalicelib.services.approvals.service import on_approval_triggered

approvals = Blueprint(__name__)


@approvals.lambda_function(name="approval")
def approval(event: dict[str, Any], context: Any) -> None:
    triggered = bus_event(event)
    if triggered is not None:
        on_approval_triggered(triggered, sequencing_deps())
