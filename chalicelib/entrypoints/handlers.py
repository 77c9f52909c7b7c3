"""Event handlers: Lambda functions fed by EventBridge rules (locally, by the SQS dispatcher)."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import container
from chalicelib.errors import InvalidInput
from chalicelib.observability import observed

handlers = Blueprint(__name__)
log = logging.getLogger("quartermaster-handlers.handlers")


@handlers.lambda_function(name="recorder")
@observed("recorder")
def recorder(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Store every CloudEvent on the bus. The rule delivers the EventBridge envelope."""
    detail = event.get("detail")
    if not isinstance(detail, dict):
        log.error("recorder: EventBridge entry without a JSON object detail; not recorded")
        return {"stored": False}
    from chalicelib.services.recorder import record_event
    from chalicelib.services.service_state import track_event

    deps = container()
    states = deps.service_states

    def exists(project: str) -> bool:
        # Read each time, not cached: a deleted project's late events must find it gone.
        return deps.config.get_project(project) is not None

    track = (
        None if states is None else lambda event: track_event(event, states, deps.events, exists)
    )
    try:
        stored = record_event(detail, deps.events, track)
    except InvalidInput as error:
        # Retrying cannot repair a malformed entry: report it and let the delivery succeed.
        log.error("recorder: %s (source=%s)", error.message, event.get("source"))
        return {"stored": False}
    return {"stored": stored}
