"""Handler logs carry the Keptn keys of what they handle; failures are logged and re-raised;
metrics with dimensions stay apart from the invocation's shared set; deliveries are keyed by
what feeds the handler."""

from __future__ import annotations

import importlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.bootstrap import build_aws_container, use_container
from chalicelib.idempotency import BUS_KEY, QUEUE_KEY, delivery_key
from chalicelib.observability import count, duration_ms, event_keys, logger, observed
from chalicelib.settings import Settings

ENVELOPE = {
    "detail": {
        "id": "e1",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "shkeptncontext": "ctx-1",
        "data": {"project": "shop", "stage": "dev", "service": "cart"},
    }
}


@pytest.fixture(autouse=True)
def no_idempotency_table() -> Iterator[None]:
    """Unit tests have no AWS: handlers run without idempotency records (tests/integration
    covers them on moto). Building the AWS container makes no call."""
    use_container(replace(build_aws_container(Settings(stage="unit")), idempotency=None))
    yield
    use_container(None)


def _emitted(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if '"_aws"' in line]


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


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The handler's JSON log lines, independent of whichever stdout pytest has swapped in."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger().registered_formatter)
    logger().addHandler(handler)
    yield stream
    logger().removeHandler(handler)


def test_every_log_line_of_a_handler_has_the_keys(
    log_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    @observed("sequencer")
    def handler(event: dict[str, Any], context: Any) -> str:
        logger().info("starting the run")
        return "ok"

    assert handler(ENVELOPE, None) == "ok"
    logged = next(
        json.loads(line) for line in log_lines.getvalue().splitlines() if "starting the run" in line
    )
    assert (logged["handler"], logged["project"], logged["keptn_context"], logged["event_id"]) == (
        "sequencer",
        "shop",
        "ctx-1",
        "e1",
    )
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    emitted = metrics[-1]
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


def test_handlers_log_beside_a_configured_chalice_app_logger() -> None:
    # Chalice gives its app logger ("quartermaster") a plain formatter in Lambda; the handlers'
    # logger must not reuse it (that made every handler fail in the local runtime once).
    logger.cache_clear()
    logger()  # the handlers' logger exists first (a handler ran before the API was served)...
    chalice_logger = logging.getLogger("quartermaster")
    plain = logging.StreamHandler(io.StringIO())
    plain.setFormatter(logging.Formatter("%(message)s"))
    chalice_logger.addHandler(plain)  # ...then Chalice configures its app logger
    try:

        @observed("recorder")
        def handler(event: dict[str, Any], context: Any) -> str:
            logger().info("recording")
            return "ok"

        assert handler(ENVELOPE, None) == "ok"
    finally:
        chalice_logger.removeHandler(plain)
        logger.cache_clear()


def test_module_warnings_are_kept_once_the_chalice_app_is_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import app  # noqa: F401  (Chalice sets its app logger "quartermaster" to ERROR on import)

    area = logging.getLogger("quartermaster-handlers.sequencing")
    with caplog.at_level(logging.WARNING):
        area.warning("scope %s stayed claimed", "shop/dev/cart")

    assert area.isEnabledFor(logging.WARNING)
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("quartermaster-handlers.sequencing", "WARNING", "scope shop/dev/cart stayed claimed")
    ]


def test_no_module_logs_under_the_chalice_app_logger() -> None:
    """A module logger named `quartermaster.<x>` inherits the ERROR level Chalice gives its app
    logger, so its warnings and infos would vanish in Lambda; every one lives under
    `quartermaster-handlers` instead."""
    import pkgutil

    import app  # noqa: F401
    import chalicelib

    for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(module.name)
    swallowed = sorted(
        name for name in logging.root.manager.loggerDict if name.startswith("quartermaster.")
    )
    assert swallowed == []


def test_a_dimensioned_metric_does_not_lend_its_dimensions_to_the_others(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @observed("lighthouse")
    def handler(event: dict[str, Any], context: Any) -> None:
        count("EvaluationsFinished", result="pass")
        count("SequencesTimedOut", 2)
        duration_ms("TaskDuration", 1500.0, task="deployment")

    handler(ENVELOPE, None)
    by_metric = {
        entry["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"]: entry
        for entry in _emitted(capsys.readouterr().out)
    }

    def dimensions(name: str) -> list[list[str]]:
        found: list[list[str]] = by_metric[name]["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
        return found

    assert dimensions("EvaluationsFinished") == [["service", "result"]]
    assert dimensions("EventsHandled") == [["service", "handler"]]
    assert dimensions("SequencesTimedOut") == [["service"]]
    assert by_metric["SequencesTimedOut"]["SequencesTimedOut"] == [2.0]
    assert "result" not in by_metric["EventsHandled"]
    task = by_metric["TaskDuration"]
    assert task["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] == "Milliseconds"
    assert (task["TaskDuration"], task["task"]) == ([1500.0], "deployment")


def test_a_metric_outside_a_handler_is_written_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    count("SequencesStarted")  # e.g. an API route resuming a run starts the next one
    (entry,) = _emitted(capsys.readouterr().out)
    assert entry["SequencesStarted"] == [1.0]
    assert entry["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Quartermaster"


def test_deliveries_are_keyed_by_what_feeds_the_handler() -> None:
    assert delivery_key(ENVELOPE) == BUS_KEY
    assert delivery_key({"Records": [{"messageId": "m1", "body": "{}"}]}) == QUEUE_KEY
    schedule = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    assert delivery_key(schedule) is None
    assert delivery_key({}) is None
