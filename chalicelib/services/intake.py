"""Event intake: validate an incoming Keptn CloudEvent, complete it as Keptn's API does, publish."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.events import KeptnEvent, check_intake, format_time, normalize_context
from chalicelib.errors import InvalidInput, NotFound, PayloadTooLarge
from chalicelib.ports import EventBus

# EventBridge counts an entry as Time (14 bytes) + Source + DetailType + Detail.
ENTRY_OVERHEAD_BYTES = 14


@dataclass(frozen=True)
class IntakeDeps:
    bus: EventBus
    project_exists: Callable[[str], bool]
    clock: Callable[[], datetime]
    max_event_bytes: int


# Extension attribute naming the API token that sent an event: the audit trail says who.
SUBMITTER = "qmsubmitter"


def accept_event(
    attributes: dict[str, Any], deps: IntakeDeps, submitter: str | None = None
) -> KeptnEvent:
    """Complete, validate and publish one event given in structured form; return it as sent.

    `id` is kept when the client gave one (source + id identify an event, so a retry cannot act
    twice) and generated otherwise; `time` is always the receive time, as in Keptn's API.
    """
    client_id = attributes.get("id") if isinstance(attributes.get("id"), str) else None
    source = attributes.get("source")
    if not isinstance(source, str) or not source:
        raise InvalidInput("attribute 'source' is required: a URI-reference naming the sender")
    completed = {
        **attributes,
        "specversion": attributes.get("specversion") or "1.0",
        "id": client_id or str(uuid.uuid4()),
        "time": format_time(deps.clock()),
        "shkeptncontext": normalize_context(
            _optional_str(attributes, "shkeptncontext"), source, client_id
        ),
    }
    completed.pop(SUBMITTER, None)  # only Quartermaster says who sent an event
    if submitter:
        completed[SUBMITTER] = submitter
    if "data" not in attributes or attributes["data"] is None:
        raise InvalidInput("attribute 'data' is required: a JSON object with project, stage, ...")
    event = _validated(completed)
    check_intake(event)
    _check_size(event, deps.max_event_bytes)
    if event.project and not deps.project_exists(event.project):
        raise NotFound(
            f"project '{event.project}' does not exist; create it first "
            f"(qm create project {event.project} --shipyard shipyard.yaml)"
        )
    deps.bus.publish(event)
    return event


def _optional_str(attributes: dict[str, Any], name: str) -> str | None:
    value = attributes.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"attribute '{name}' must be a string")
    return value


def _validated(attributes: dict[str, Any]) -> KeptnEvent:
    if attributes.get("specversion") != "1.0":
        raise InvalidInput(
            f"specversion '{attributes.get('specversion')}' is not supported; send '1.0'"
        )
    try:
        return KeptnEvent.model_validate(attributes)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"])
            problems.append(f"attribute '{where}': {item['msg'].lower()}")
        raise InvalidInput("; ".join(problems)) from error


def _check_size(event: KeptnEvent, limit: int) -> None:
    detail = json.dumps(event.to_wire(), separators=(",", ":"))
    size = ENTRY_OVERHEAD_BYTES + len(event.source.encode()) + len(event.type.encode())
    size += len(detail.encode())
    if size > limit:
        raise PayloadTooLarge(
            f"event is {size} bytes; events are limited to {limit} bytes (the EventBridge entry "
            "limit). Store large content as a resource (qm add-resource) and reference it"
        )
