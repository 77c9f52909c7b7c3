"""Handler logs carry the Keptn keys of what they handle; failures are logged and re-raised."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.observability import event_keys, logger, observed

ENVELOPE = {
    "detail": {
        "id": "e1",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "shkeptncontext": "ctx-1",
        "data": {"project": "shop", "stage": "dev", "service": "cart"},
    }
}


def test_keys_come_from_bus_envelopes_and_queue_records() -> None:
    assert event_keys(ENVELOPE) == {
        "project": "shop",
        "stage": "dev",
        "service": "cart",
        "keptn_context": "ctx-1",
        "event_id": "e1",
        "event_type": "sh.keptn.event.dev.delivery.triggered",
    }
    record = {"Records": [{"body": json.dumps({"kind": "dispatch", "run": {"id": "r1"}})}]}
    assert event_keys(record) == {"run_id": "r1"}
    assert event_keys({"source": "aws.events"}) == {}


def test_every_log_line_of_a_handler_has_the_keys(capsys: pytest.CaptureFixture[str]) -> None:
    @observed("sequencer")
    def handler(event: dict[str, Any], context: Any) -> str:
        logger().info("starting the run")
        return "ok"

    assert handler(ENVELOPE, None) == "ok"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    logged = next(line for line in lines if line.get("message") == "starting the run")
    assert (logged["handler"], logged["project"], logged["keptn_context"], logged["event_id"]) == (
        "sequencer",
        "shop",
        "ctx-1",
        "e1",
    )
    emitted = next(line for line in lines if "_aws" in line)
    assert emitted["EventsHandled"] == [1.0]


def test_a_failure_is_logged_counted_and_re_raised(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    @observed("dispatcher")
    def handler(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        handler(ENVELOPE, None)
    out = capsys.readouterr().out
    # Powertools writes JSON to stdout; under pytest the error may land in its log capture.
    assert "handler failed; the delivery will be retried" in out + caplog.text
    assert '"HandlerErrors": [1.0]' in out or '"HandlerErrors":[1.0]' in out
