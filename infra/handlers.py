"""Every event handler: its Lambda entry point, the EventBridge pattern feeding it, its sizing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HandlerSpec:
    """One asynchronous handler. `entry` is `module:function` of the Chalice lambda_function."""

    name: str
    entry: str
    pattern: dict[str, Any]
    description: str
    memory_mb: int = 256
    timeout_s: int = 30
    extra: dict[str, Any] = field(default_factory=dict)


HANDLERS: tuple[HandlerSpec, ...] = (
    HandlerSpec(
        name="recorder",
        entry="chalicelib.entrypoints.handlers:recorder",
        # Every CloudEvent on the bus: they all carry specversion 1.0.
        pattern={"detail": {"specversion": ["1.0"]}},
        description="Stores every event on the bus in the events table (the audit trail).",
    ),
)
