"""CloudEvents over HTTP, structured and binary mode, through the cloudevents SDK's HTTP binding."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_http
from cloudevents.core.exceptions import BaseCloudEventException, CloudEventValidationError
from cloudevents.core.formats.json import JSONFormat

from chalicelib.entrypoints.http_support import loads_strict
from chalicelib.errors import InvalidInput

_FORMAT = JSONFormat()


def event_attributes(headers: Mapping[str, str], body: bytes | str | None) -> dict[str, Any]:
    """The event as a structured-mode dict; `id` is present only when the client sent one.

    The body goes through the strict reader (domain/strict_json) before the SDK sees it: the
    SDK parses with plain json.loads, which takes NaN and Infinity, keeps the last of two equal
    keys and recurses without bound. What passes the strict reader parses the same in both.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    binary = any(name.startswith("ce-") for name in lowered)
    raw_body = body.encode() if isinstance(body, str) else (body or b"")
    if binary:
        client_gave_id = bool(lowered.get("ce-id"))
        if raw_body:
            loads_strict(raw_body)  # the data, refused with a clear message if not strict JSON
    else:
        parsed = loads_strict(raw_body)
        if not isinstance(parsed, dict):
            raise InvalidInput("the request body must be a CloudEvent: a JSON object")
        client_gave_id = bool(parsed.get("id"))
    try:
        event = from_http(HTTPMessage(headers=dict(lowered), body=raw_body), _FORMAT)
    except CloudEventValidationError as error:
        problems = [
            f"attribute '{name}': {_describe(errors[0])}" for name, errors in error.errors.items()
        ]
        raise InvalidInput("; ".join(problems)) from error
    except (BaseCloudEventException, ValueError, TypeError) as error:
        raise InvalidInput(f"not a valid CloudEvent: {error}") from error

    attributes: dict[str, Any] = {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in event.get_attributes().items()
    }
    if not client_gave_id:
        attributes.pop("id", None)
    data = event.get_data()
    if data is not None and not isinstance(data, dict):
        raise InvalidInput("attribute 'data' must be a JSON object with project, stage, ...")
    attributes["data"] = data
    return attributes


def _describe(error: BaseCloudEventException) -> str:
    text = str(error)
    return text[0].lower() + text[1:] if text else "invalid"
