"""CloudEvents HTTP binding: structured and binary mode, and how bad bodies are refused."""

from __future__ import annotations

import json

import pytest

from chalicelib.entrypoints.cloudevent_http import event_attributes
from chalicelib.errors import InvalidInput


def test_structured_mode_keeps_keptn_extensions_and_data() -> None:
    body = {
        "specversion": "1.0",
        "id": "a1",
        "source": "ci",
        "type": "sh.keptn.log.error",
        "shkeptncontext": "c1",
        "contenttype": "application/json",
        "data": {"message": "m"},
    }
    attributes = event_attributes({"content-type": "application/json"}, json.dumps(body).encode())
    assert attributes["id"] == "a1"
    assert attributes["shkeptncontext"] == "c1"
    assert attributes["contenttype"] == "application/json"
    assert attributes["data"] == {"message": "m"}


def test_structured_mode_without_id_reports_no_id() -> None:
    body = {"source": "ci", "type": "sh.keptn.log.error", "data": {}}
    assert "id" not in event_attributes({}, json.dumps(body).encode())


def test_binary_mode_reads_attributes_from_headers() -> None:
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "b1",
        "ce-source": "tool",
        "ce-type": "sh.keptn.log.error",
        "ce-shkeptncontext": "ctx",
        "Content-Type": "application/json",
    }
    attributes = event_attributes(headers, b'{"message": "binary"}')
    assert (attributes["id"], attributes["source"], attributes["shkeptncontext"]) == (
        "b1",
        "tool",
        "ctx",
    )
    assert attributes["data"] == {"message": "binary"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "body is empty"),
        (b"[1, 2]", "must be a CloudEvent: a JSON object"),
        (b'{"type": "x", "source": "s", "data": {"a": 1, "a": 2}}', "duplicate key 'a'"),
        (b'{"source": "s", "data": {}}', "attribute 'type'"),
        (b'{"type": "t", "source": "s", "data": "text"}', "'data' must be a JSON object"),
    ],
)
def test_bad_bodies_are_refused_with_the_reason(body: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        event_attributes({"content-type": "application/json"}, body)
    assert fragment in raised.value.message


BINARY = {"ce-specversion": "1.0", "ce-id": "b1", "ce-source": "tool", "ce-type": "t"}


@pytest.mark.parametrize("headers", [{"content-type": "application/json"}, BINARY])
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"value": NaN}', "NaN is not a JSON value"),
        (b'{"value": Infinity}', "Infinity is not a JSON value"),
        (b'{"a":' * 1_000 + b"1" + b"}" * 1_000, "more than 100 levels deep"),
        (b'{"n": ' + b"1" * 4_301 + b"}", "an integer of 4301 digits"),
        (b'{"text": "\\udc00"}', "unpaired surrogate escape"),
    ],
)
def test_both_modes_read_the_body_strictly_before_the_sdk_does(
    headers: dict[str, str], data: bytes, fragment: str
) -> None:
    # Structured mode: the hostile part is inside the event's data; binary mode: it is the data.
    body = data if headers is BINARY else b'{"source": "s", "type": "t", "data": ' + data + b"}"
    with pytest.raises(InvalidInput) as raised:
        event_attributes(headers, body)
    assert fragment in raised.value.message
