"""Keptn CloudEvents: the envelope, the common data fields, and the intake rules (reference 3.1)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.event_types import (
    LEGACY_PROBLEM,
    LOG_ERROR,
    MONITORING_CONFIGURE,
    Phase,
    TypeKind,
    parse_event_type,
)
from chalicelib.errors import InvalidInput

# Namespace for turning a non-UUID keptn context, or a client's (source, id), into a stable UUID.
CONTEXT_NAMESPACE = uuid.UUID("5b2e5a1c-6c1e-4a8e-9f3e-6d1b7a0c2f11")

EXPECTED_TYPES = (
    "sh.keptn.event.<stage>.<sequence>.triggered, sh.keptn.event.<task>.started|"
    "status.changed|finished|invalidated, sh.keptn.log.error, sh.keptn.events.problem or "
    "sh.keptn.event.monitoring.configure"
)


class KeptnEvent(BaseModel):
    """A Keptn CloudEvent in structured form; unknown extension attributes are kept as they are."""

    model_config = ConfigDict(extra="allow")

    specversion: str = "1.0"
    id: str
    source: str
    type: str
    time: str
    datacontenttype: str | None = "application/json"
    shkeptncontext: str
    triggeredid: str | None = None
    gitcommitid: str | None = None
    shkeptnspecversion: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def project(self) -> str | None:
        return _str_or_none(self.data.get("project"))

    @property
    def stage(self) -> str | None:
        return _str_or_none(self.data.get("stage"))

    @property
    def service(self) -> str | None:
        return _str_or_none(self.data.get("service"))

    @property
    def result(self) -> str | None:
        return _str_or_none(self.data.get("result"))

    def to_wire(self) -> dict[str, Any]:
        """The structured-mode JSON object, without attributes that are not set."""
        return self.model_dump(mode="json", exclude_none=True)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def format_time(moment: datetime) -> str:
    """Keptn's timestamp format: `2006-01-02T15:04:05.000Z` (always UTC, milliseconds)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_time(value: str) -> datetime:
    """A time in Keptn's format (or any ISO 8601 one) as an aware datetime."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def canonical_time(value: str) -> str:
    """`value` (any RFC 3339 / ISO 8601 timestamp) in Keptn's format; InvalidInput otherwise."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as error:
        raise InvalidInput(
            f"time '{value}' is not an RFC 3339 timestamp such as 2023-05-02T10:00:00.000Z"
        ) from error
    return format_time(moment)


def normalize_context(value: str | None, source: str, client_id: str | None) -> str:
    """The keptn context of an incoming event, as Keptn's API assigns it.

    A UUID is kept; any other value is hashed into a UUID deterministically. When absent, a client
    that chose its own event id gets a context derived from (source, id), so a retried request
    lands in the same context; otherwise the context is fresh.
    """
    if value:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            return str(uuid.uuid5(CONTEXT_NAMESPACE, value))
    if client_id:
        return str(uuid.uuid5(CONTEXT_NAMESPACE, f"{source}\x1f{client_id}"))
    return str(uuid.uuid4())


# The event's attributes and scope become DynamoDB keys (the events table's key is the JSON of
# [source, id]; its indexes use triggeredid, the context and project/stage/service). DynamoDB
# refuses a partition key over 2048 bytes, so a longer value would fail every write as a 5xx;
# no real tool sends ids or names near this long.
MAX_KEY_ATTRIBUTE_BYTES = 512
_KEY_ATTRIBUTES = ("id", "source", "triggeredid", "gitcommitid", "shkeptncontext")
_KEY_DATA_FIELDS = ("project", "stage", "service")


def check_keys(event: KeptnEvent) -> None:
    """Refuse attributes and scope names too long to be stored as keys; InvalidInput names them."""
    values = [(f"attribute '{name}'", getattr(event, name)) for name in _KEY_ATTRIBUTES]
    values += [(f"data.{name}", event.data.get(name)) for name in _KEY_DATA_FIELDS]
    for where, value in values:
        # Measured as stored: JSON-escaped, so non-ASCII text counts as its escapes.
        if isinstance(value, str) and len(json.dumps(value)) - 2 > MAX_KEY_ATTRIBUTE_BYTES:
            raise InvalidInput(
                f"{where} is too long ({len(value)} characters); it is stored as a key and must "
                f"be at most {MAX_KEY_ATTRIBUTE_BYTES} bytes as JSON"
            )


def check_intake(event: KeptnEvent) -> None:
    """Refuse what Keptn's API refuses with event validation on; the message names the fix."""
    check_keys(event)
    parsed = parse_event_type(event.type)
    if event.type in (LOG_ERROR, LEGACY_PROBLEM):
        return
    if event.type == MONITORING_CONFIGURE:
        _require_data(event, ("project", "type"))
        return
    if parsed.kind is TypeKind.SEQUENCE:
        _check_sequence_event(event, parsed.stage, parsed.name, parsed.phase)
        return
    if parsed.kind is TypeKind.TASK:
        _check_task_event(event, parsed.name, parsed.phase)
        return
    raise InvalidInput(f"unknown event type '{event.type}': expected {EXPECTED_TYPES}")


def _check_sequence_event(event: KeptnEvent, stage: str, sequence: str, phase: str) -> None:
    if sequence == "status" and phase == Phase.CHANGED:
        # `<task>.status.changed` is informational: stored, never acted on (reference 2.2).
        _require_data(event, ("project", "stage", "service"))
        _require_triggeredid(event)
        return
    if phase != Phase.TRIGGERED:
        raise InvalidInput(
            f"event type '{event.type}': only sh.keptn.event.<stage>.<sequence>.triggered can be "
            f"sent for a sequence; Quartermaster sends the sequence's .{phase} event itself"
        )
    _require_data(event, ("project", "stage", "service"))
    if event.stage != stage:
        raise InvalidInput(
            f"data.stage '{event.stage}' does not match the stage '{stage}' in the event type "
            f"'{event.type}'; send them equal"
        )


def _check_task_event(event: KeptnEvent, task: str, phase: str) -> None:
    if phase == Phase.TRIGGERED:
        raise InvalidInput(
            f"event type '{event.type}': task .triggered events are sent by Quartermaster only; "
            f"to start work, send a sequence event sh.keptn.event.<stage>.<sequence>.triggered"
        )
    if phase not in (Phase.STARTED, Phase.FINISHED, Phase.INVALIDATED):
        raise InvalidInput(
            f"event type '{event.type}': unknown phase '{phase}' for task '{task}'; "
            "expected started, status.changed, finished or invalidated"
        )
    _require_data(event, ("project", "stage", "service"))
    _require_triggeredid(event)
    if phase == Phase.FINISHED:
        _require_data(event, ("result", "status"))


def _require_data(event: KeptnEvent, fields: tuple[str, ...]) -> None:
    missing = [name for name in fields if not _str_or_none(event.data.get(name))]
    if missing:
        names = ", ".join(f"data.{name}" for name in missing)
        raise InvalidInput(f"event type '{event.type}' requires {names} (a non-empty string)")


def _require_triggeredid(event: KeptnEvent) -> None:
    if not event.triggeredid:
        raise InvalidInput(
            f"event type '{event.type}' requires the attribute 'triggeredid': the id of the "
            ".triggered event it answers"
        )
