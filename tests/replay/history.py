"""Sequencing histories: what each handler delivery received and what it did, in one format
shared by the recorder (tests/replay/record.py, real handlers on moto) and the replay tests
(tests/unit/sequencing/test_replay.py, the services on fakes).

A history is a list of deliveries, in the order they were handled:

    {"handler": "dispatcher", "time": "2026-01-01T12:00:05.000Z",
     "input": {... the CloudEvent, queue message body or status-change detail ...},
     "effects": [{"publish": {...}}, {"schedule": {...}}, {"resume": {...}}, ...],
     "response": {...}}            # API calls only: what the call answered

Effects are recorded where the handler code meets its ports (`Taped*` below wrap the bus,
Workflows and Timers), in the order the calls were made. Values that differ per run are
normalised: task tokens become `token-1`, `token-2`, ... in order of appearance, execution
ARNs `execution:<run id>` and state machine ARNs `stateMachine:<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.events import KeptnEvent
from chalicelib.ports import EventBus, Timers, Workflows

# The handlers replayed, by the name their Lambda function has (infra/handlers.py), and the
# two API calls that act on runs.
BUS_HANDLERS = ("sequencer", "task-events", "reconciler")
QUEUE_HANDLERS = ("dispatcher", "finisher")
API_CALLS = ("control", "decide")
RECORDED = BUS_HANDLERS + QUEUE_HANDLERS

_EXECUTION_ARN = re.compile(r"arn:aws:states:[^:\s\"]+:\d+:execution:[^:\s\"]+:([^:\s\"]+)")
_MACHINE_ARN = re.compile(r"arn:aws:states:[^:\s\"]+:\d+:stateMachine:([^:\s\"]+)")
_VERSION = re.compile(r"_v[0-9a-f]+$")  # a machine's definition hash (engine/asl.py)


def event_summary(event: KeptnEvent) -> dict[str, Any]:
    """What of a published event a replay compares (its time is the delivery's own)."""
    wire = event.to_wire()
    keys = ("type", "id", "source", "triggeredid", "shkeptncontext", "gitcommitid", "data")
    return {key: wire[key] for key in keys if wire.get(key) is not None}


@dataclass
class Tape:
    """The deliveries recorded so far; effects go to the delivery under way (none outside)."""

    deliveries: list[dict[str, Any]] = field(default_factory=list)
    published: list[KeptnEvent] = field(default_factory=list)  # everything, for waiting on
    current: dict[str, Any] | None = None

    @contextmanager
    def delivery(self, handler: str, given: dict[str, Any], time: str) -> Iterator[dict[str, Any]]:
        entry: dict[str, Any] = {"handler": handler, "time": time, "input": given, "effects": []}
        self.current = entry
        try:
            yield entry
        finally:
            self.current = None
        self.deliveries.append(entry)

    def effect(self, kind: str, value: dict[str, Any]) -> None:
        if self.current is not None:
            self.current["effects"].append({kind: value})


class TapedBus:
    def __init__(self, inner: EventBus, tape: Tape) -> None:
        self._inner, self._tape = inner, tape

    def publish(self, event: KeptnEvent) -> None:
        self._inner.publish(event)
        self._tape.published.append(event)
        self._tape.effect("publish", event_summary(event))


class TapedWorkflows:
    def __init__(self, inner: Workflows, tape: Tape) -> None:
        self._inner, self._tape = inner, tape

    def ensure_state_machine(self, name: str, definition: dict[str, object]) -> None:
        self._inner.ensure_state_machine(name, definition)

    def start(self, machine: str, execution_name: str, run: dict[str, object]) -> str:
        arn = self._inner.start(machine, execution_name, run)
        self._tape.effect("start", {"execution": execution_name, "input": dict(run)})
        return arn

    def complete_task(self, token: str, output: dict[str, object]) -> bool:
        waited = self._inner.complete_task(token, output)
        self._tape.effect("resume", {"token": token, "output": dict(output), "waited": waited})
        return waited

    def stop(self, execution_arn: str, cause: str) -> None:
        self._inner.stop(execution_arn, cause)
        self._tape.effect("stop", {"execution": execution_arn, "cause": cause})

    def queue_url(self, name: str) -> str:
        return self._inner.queue_url(name)


class TapedTimers:
    def __init__(self, inner: Timers | None, tape: Tape) -> None:
        self._inner, self._tape = inner, tape
        self.pending: list[tuple[datetime, dict[str, object]]] = []

    def schedule(self, message: dict[str, object], due: datetime) -> None:
        if self._inner is not None:
            self._inner.schedule(message, due)
        self.pending.append((due, dict(message)))
        self._tape.effect("schedule", dict(message))


def _machine(match: re.Match[str]) -> str:
    return "stateMachine:" + _VERSION.sub("", match.group(1))


class Normaliser:
    """Replaces per-run values by stable names; tokens are named in order of appearance."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def token(self, raw: str) -> str:
        return self.tokens.setdefault(raw, f"token-{len(self.tokens) + 1}")

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, str):
            if value in self.tokens:
                return self.tokens[value]
            value = _EXECUTION_ARN.sub(r"execution:\1", value)
            return _MACHINE_ARN.sub(_machine, value)
        return value

    def delivery(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A recorded delivery with its values normalised (a dispatch names its token)."""
        given = entry["input"]
        # A dispatch, or a late task's wait on a new token (the finisher's `late` message).
        if entry["handler"] in ("dispatcher", "finisher") and isinstance(
            given.get("taskToken"), str
        ):
            self.token(given["taskToken"])
        normalised: dict[str, Any] = self(entry)
        return normalised
