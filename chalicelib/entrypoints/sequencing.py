"""Sequencing handlers: the sequencer and task-events (bus rules), the dispatcher and finisher
(internal queues written by state machines, and the finisher also by the control plane's own
answer deadlines), and the reconciler (Step Functions' execution status changes).

Services are imported inside the handlers: every function of the app loads this module, and
only the sequencing functions should pay for the sequencing code at cold start."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import sequencing_deps
from chalicelib.observability import observed

if TYPE_CHECKING:
    from chalicelib.domain.events import KeptnEvent

sequencing = Blueprint(__name__)
log = logging.getLogger("quartermaster-handlers.sequencing")


def bus_event(envelope: dict[str, Any]) -> KeptnEvent | None:
    from pydantic import ValidationError

    from chalicelib.domain.events import KeptnEvent

    try:
        return KeptnEvent.model_validate(envelope.get("detail"))
    except ValidationError:
        log.error("not a CloudEvent on the bus (source=%s); ignored", envelope.get("source"))
        return None


def _queue_messages(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(record["body"]) for record in event.get("Records", [])]


@sequencing.lambda_function(name="sequencer")
@observed("sequencer")
def sequencer(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.sequencing.start import on_sequence_triggered

    trigger = bus_event(event)
    if trigger is not None:
        on_sequence_triggered(trigger, sequencing_deps())


@sequencing.lambda_function(name="task-events")
@observed("task-events")
def task_events(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.sequencing.answers import on_task_answer

    answer = bus_event(event)
    if answer is not None:
        on_task_answer(answer, sequencing_deps())


@sequencing.lambda_function(name="dispatcher")
@observed("dispatcher")
def dispatcher(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.sequencing.dispatch import on_dispatch

    for message in _queue_messages(event):
        on_dispatch(message, sequencing_deps())


@sequencing.lambda_function(name="finisher")
@observed("finisher")
def finisher(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.sequencing.ending import on_control

    for message in _queue_messages(event):
        on_control(message, sequencing_deps())


@sequencing.lambda_function(name="reconciler")
@observed("reconciler")
def reconciler(event: dict[str, Any], context: Any) -> dict[str, bool]:
    from chalicelib.services.sequencing.reconcile import on_execution_status

    detail = event.get("detail")
    if not isinstance(detail, dict):
        return {"ended": False}
    return {"ended": on_execution_status(detail, sequencing_deps())}
