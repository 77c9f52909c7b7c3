"""Sequencing handlers: the sequencer and task-events (bus rules), the dispatcher and finisher
(internal queues written by state machines), and the watcher (a schedule)."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]
from pydantic import ValidationError

from chalicelib.bootstrap import container
from chalicelib.domain.events import KeptnEvent
from chalicelib.services.sequencing.answers import on_task_answer
from chalicelib.services.sequencing.common import SequencingDeps
from chalicelib.services.sequencing.dispatch import on_dispatch
from chalicelib.services.sequencing.ending import on_control, on_watch
from chalicelib.services.sequencing.start import on_sequence_triggered

sequencing = Blueprint(__name__)
log = logging.getLogger("quartermaster.sequencing")


def sequencing_deps() -> SequencingDeps:
    deps = container()
    settings = deps.settings
    return SequencingDeps(
        runs=deps.runs,
        config=deps.config,
        bus=deps.bus,
        workflows=deps.workflows,
        clock=deps.clock,
        deployment=settings.stage,
        dispatch_queue=settings.queue_name("dispatch"),
        control_queue=settings.queue_name("control"),
        task_wait_seconds=settings.task_wait_seconds,
    )


def bus_event(envelope: dict[str, Any]) -> KeptnEvent | None:
    try:
        return KeptnEvent.model_validate(envelope.get("detail"))
    except ValidationError:
        log.error("not a CloudEvent on the bus (source=%s); ignored", envelope.get("source"))
        return None


def _queue_messages(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(record["body"]) for record in event.get("Records", [])]


@sequencing.lambda_function(name="sequencer")
def sequencer(event: dict[str, Any], context: Any) -> None:
    trigger = bus_event(event)
    if trigger is not None:
        on_sequence_triggered(trigger, sequencing_deps())


@sequencing.lambda_function(name="task-events")
def task_events(event: dict[str, Any], context: Any) -> None:
    answer = bus_event(event)
    if answer is not None:
        on_task_answer(answer, sequencing_deps())


@sequencing.lambda_function(name="dispatcher")
def dispatcher(event: dict[str, Any], context: Any) -> None:
    for message in _queue_messages(event):
        on_dispatch(message, sequencing_deps())


@sequencing.lambda_function(name="finisher")
def finisher(event: dict[str, Any], context: Any) -> None:
    for message in _queue_messages(event):
        on_control(message, sequencing_deps())


@sequencing.lambda_function(name="watcher")
def watcher(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"timedOut": on_watch(sequencing_deps())}
