"""Keptn's integration error log (`/log`): entries integrations post (Keptn's distributor
forwards every `.finished` with status errored and every `sh.keptn.log.error`), read newest
first with Keptn's paging (a numeric `nextPageKey`, 0 on the last page), and deleted by filter.
A `sh.keptn.log.error` event sent to the API is recorded here too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.events import KeptnEvent, canonical_time, format_time
from chalicelib.domain.integrations import LogEntry
from chalicelib.errors import InvalidInput
from chalicelib.ports import IntegrationStore

MAX_ENTRIES = 100  # per request
LOG_EVENTS = uuid.UUID("8f6a1c2e-3d4b-4e5f-9a0b-7c6d5e4f3a21")
MAX_MESSAGE = 10_000  # characters kept of a message


@dataclass(frozen=True)
class LogDeps:
    integrations: IntegrationStore
    clock: Callable[[], datetime]


def add_logs(body: dict[str, Any], deps: LogDeps) -> None:
    raw = body.get("logs")
    if not isinstance(raw, list):
        raise InvalidInput("field 'logs' is required: a list of log entries")
    if len(raw) > MAX_ENTRIES:
        raise InvalidInput(f"field 'logs' has {len(raw)} entries; send at most {MAX_ENTRIES}")
    entries: list[LogEntry] = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidInput(f"logs[{position}] must be an object")
        try:
            entry = LogEntry.model_validate(item)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise InvalidInput(f"logs[{position}].{field}: {first['msg'].lower()}") from error
        entries.append(_completed(entry, deps))
    deps.integrations.add_logs([(uuid.uuid4().hex, entry) for entry in entries])


def _completed(entry: LogEntry, deps: LogDeps) -> LogEntry:
    time = canonical_time(entry.time) if entry.time else format_time(deps.clock())
    return entry.model_copy(update={"time": time, "message": entry.message[:MAX_MESSAGE]})


def log_error_event(event: KeptnEvent, deps: LogDeps) -> None:
    """`sh.keptn.log.error` ({message, integrationid, task}; Keptn's Go struct reads the id
    as `IntegrationId` too) as a log entry."""
    data = {key.lower(): value for key, value in event.data.items()}
    entry = LogEntry(
        integrationid=str(data.get("integrationid") or ""),
        message=str(data.get("message") or ""),
        task=str(data.get("task") or ""),
        shkeptncontext=event.shkeptncontext,
        triggeredid=event.triggeredid or "",
        gitcommitid=event.gitcommitid or "",
        time=event.time,
    )
    # Keyed by the event: a redelivered event writes the same entry again.
    key = uuid.uuid5(LOG_EVENTS, f"{event.source}/{event.id}").hex
    deps.integrations.add_logs([(key, _completed(entry, deps))])


def _time(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return canonical_time(value)
    except InvalidInput as error:
        raise InvalidInput(f"query parameter '{name}': {error.message}") from error


def get_logs(
    integration_id: str | None,
    from_time: str | None,
    before_time: str | None,
    page_size: int,
    next_page_key: int,
    deps: LogDeps,
) -> dict[str, Any]:
    entries, total = deps.integrations.logs(
        integration_id,
        _time("fromTime", from_time),
        _time("beforeTime", before_time),
        next_page_key,
        page_size,
    )
    following = next_page_key + len(entries)
    return {
        "logs": [entry.model_dump(mode="json") for entry in entries],
        "pageSize": len(entries),
        "totalCount": total,
        "nextPageKey": following if following < total else 0,
    }


def delete_logs(
    integration_id: str | None, from_time: str | None, before_time: str | None, deps: LogDeps
) -> dict[str, Any]:
    deps.integrations.delete_logs(
        integration_id, _time("fromTime", from_time), _time("beforeTime", before_time)
    )
    return {}
