"""Faults injected into the AWS calls a handler makes: the call fails before it is made
(a crash, a timeout), after it took effect (applied, but answered with an error), or with
throttling past botocore's retries.

The injector is registered on the boto3 session the container's clients come from; only calls
made while a handler runs (`Injector.handling`) are counted, so the test's own API calls and
set-up are never hit.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import boto3
from botocore.exceptions import ClientError

_handler: contextvars.ContextVar[str | None] = contextvars.ContextVar("handler", default=None)


class Mode(StrEnum):
    CRASH = "crash"  # the call never happens: the process died or timed out before it
    APPLIED = "applied"  # the call took effect, but the caller saw an error (a 5xx, a cut line)
    THROTTLED = "throttled"  # refused by throttling after botocore's own retries


class InjectedFault(Exception):
    """What the handler sees when the injector strikes (not an AWS error: nothing may catch
    it as one)."""


@dataclass
class Injector:
    """Strikes once, at the `at`-th counted call (1-based); `at=None` only counts."""

    mode: Mode = Mode.CRASH
    at: int | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)  # (handler, operation)
    struck: tuple[str, str] | None = None

    def watch(self, session: boto3.Session) -> None:
        session.events.register("before-call", self._before)
        session.events.register("after-call", self._after)

    @contextmanager
    def handling(self, name: str) -> Iterator[None]:
        token = _handler.set(name)
        try:
            yield
        finally:
            _handler.reset(token)

    def _strikes_now(self, model: Any) -> bool:
        name = _handler.get()
        if name is None:
            return False
        self.calls.append((name, model.name))
        if self.struck is None and self.at is not None and len(self.calls) == self.at:
            self.struck = (name, model.name)
            return True
        return False

    def _before(self, model: Any, **_: Any) -> None:
        if self.mode is Mode.APPLIED or not self._strikes_now(model):
            return
        if self.mode is Mode.THROTTLED:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                model.name,
            )
        raise InjectedFault(f"crashed before {model.name}")

    def _after(self, model: Any, **_: Any) -> None:
        if self.mode is Mode.APPLIED and self._strikes_now(model):
            raise InjectedFault(f"{model.name} took effect, but its answer was lost")


@dataclass
class Published:
    """Every entry handlers put on the bus, by event id (duplicates show up here even though
    the events table stores each event once)."""

    ids: list[str] = field(default_factory=list)

    def watch(self, session: boto3.Session) -> None:
        """Register before the injector: an entry counts once its call went out (an applied
        call the injector then fails counts too)."""
        session.events.register("provide-client-params.events.PutEvents", self._asked)
        session.events.register("after-call.events.PutEvents", self._sent)

    def _asked(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["qm-entries"] = params.get("Entries", [])

    def _sent(self, context: dict[str, Any], **_: Any) -> None:
        import json

        if _handler.get() is None:
            return
        for entry in context.get("qm-entries", []):
            event = json.loads(entry["Detail"])
            if event["type"].endswith(".triggered"):
                self.ids.append(event["id"])

    def duplicates(self) -> list[str]:
        return sorted({i for i in self.ids if self.ids.count(i) > 1})
