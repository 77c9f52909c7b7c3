"""Structured logs and metrics (Powertools), created on first use so cold starts stay short.

Every handler invocation logs JSON with the project, stage, service, keptn context and event id
of what it handles, counts `EventsHandled` / `HandlerErrors` per handler (CloudWatch EMF), and
acts once per delivery (chalicelib/idempotency.py). docs/operations.md lists the metrics.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

NAMESPACE = "Quartermaster"
SERVICE = "quartermaster"
# Powertools names its stdlib logger after the service; "quartermaster" is Chalice's own app
# logger (plain formatter), which Powertools would then reuse and fail on. Modules log through
# stdlib children of this one (`logging.getLogger("quartermaster-handlers.<area>")`), which
# Powertools formats as JSON with the handler's keys: children of "quartermaster" would inherit
# the level Chalice gives its app logger (ERROR unless debugging) and lose every warning.
LOG_SERVICE = "quartermaster-handlers"
F = TypeVar("F", bound=Callable[..., Any])


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

    return Logger(service=LOG_SERVICE)


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Add to a counter (e.g. `count("SequencesFinished", result="pass")`)."""
    from aws_lambda_powertools.metrics import MetricUnit

    _emit(name, MetricUnit.Count, value, dimensions)


def duration_ms(name: str, milliseconds: float, **dimensions: str) -> None:
    """Record a duration in milliseconds (e.g. TaskDuration, dispatch to completion)."""
    from aws_lambda_powertools.metrics import MetricUnit

    _emit(name, MetricUnit.Milliseconds, milliseconds, dimensions)


def _emit(name: str, unit: Any, value: float, dimensions: dict[str, str]) -> None:
    """Write one metric at once, as its own EMF line (Powertools' single_metric), with the
    `service` dimension and its own. A shared Metrics object would give its dimensions to every
    metric flushed with it (EventsHandled got `result`), lose what an API route added (nothing
    flushes there), and mix the metrics of the local runtime's concurrent handler threads."""
    from aws_lambda_powertools.metrics import single_metric

    with single_metric(
        name=name,
        unit=unit,
        value=value,
        namespace=NAMESPACE,
        default_dimensions={"service": SERVICE},
    ) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)


def event_keys(event: dict[str, Any]) -> dict[str, str]:
    """Log keys of a handler's input: an EventBridge envelope, an SQS batch, or a schedule."""
    found: Any = event.get("detail")
    if not isinstance(found, dict) and event.get("Records"):
        try:
            found = json.loads(event["Records"][0]["body"])
        except (KeyError, TypeError, ValueError):
            found = None
    if not isinstance(found, dict):
        return {}
    detail: dict[str, Any] = found
    data = detail["data"] if isinstance(detail.get("data"), dict) else {}
    run = detail["run"] if isinstance(detail.get("run"), dict) else {}
    keys = {
        "project": data.get("project"),
        "stage": data.get("stage"),
        "service": data.get("service"),
        "keptn_context": detail.get("shkeptncontext"),
        "event_id": detail.get("id"),
        "event_type": detail.get("type"),
        "run_id": run.get("id"),
    }
    return {key: str(value) for key, value in keys.items() if value}


def observed(handler_name: str) -> Callable[[F], F]:
    """Wrap a Lambda handler: keyed logs, counted outcomes, and one action per delivery
    (`chalicelib.idempotency.once`)."""

    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def run(event: dict[str, Any], context: Any) -> Any:
            from chalicelib.idempotency import once

            log = logger()
            keys = event_keys(event)
            log.append_keys(handler=handler_name, **keys)
            try:
                result = once(handler_name, handler, event, context)
            except Exception:
                log.exception("handler failed; the delivery will be retried")
                count("HandlerErrors", handler=handler_name)
                raise
            else:
                count("EventsHandled", handler=handler_name)
                return result
            finally:
                log.remove_keys(["handler", *keys])

        return run  # type: ignore[return-value]

    return wrap
