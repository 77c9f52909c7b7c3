"""Every asynchronous handler: its Lambda entry point, what triggers it, and its sizing.

A handler is fed by exactly one of: an EventBridge rule on the custom bus (`pattern`), an
internal SQS queue that the state machines write to (`queue`), or a schedule (`schedule`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Internal queues: state machines hand task tokens and run ends to the control plane through
# these, so a token never travels on the public bus.
DISPATCH_QUEUE = "dispatch"
CONTROL_QUEUE = "control"
INTERNAL_QUEUES = (DISPATCH_QUEUE, CONTROL_QUEUE)


@dataclass(frozen=True)
class HandlerSpec:
    """One asynchronous handler. `entry` is `module:function` of the Chalice lambda_function."""

    name: str
    entry: str
    description: str
    pattern: dict[str, Any] | None = None
    queue: str | None = None
    schedule_seconds: int | None = None
    memory_mb: int = 256
    timeout_s: int = 30


HANDLERS: tuple[HandlerSpec, ...] = (
    HandlerSpec(
        name="recorder",
        entry="chalicelib.entrypoints.handlers:recorder",
        description="Stores every event on the bus in the events table (the audit trail).",
        # Every CloudEvent on the bus: they all carry specversion 1.0.
        pattern={"detail": {"specversion": ["1.0"]}},
    ),
    HandlerSpec(
        name="sequencer",
        entry="chalicelib.entrypoints.sequencing:sequencer",
        description="Starts, queues or refuses sequences on <stage>.<sequence>.triggered.",
        pattern={"detail-type": [{"wildcard": "sh.keptn.event.*.*.triggered"}]},
    ),
    HandlerSpec(
        name="task-events",
        entry="chalicelib.entrypoints.sequencing:task_events",
        description="Counts task .started/.finished answers and resumes the run when complete.",
        pattern={
            "detail-type": [
                {"wildcard": "sh.keptn.event.*.started"},
                {"wildcard": "sh.keptn.event.*.finished"},
            ]
        },
    ),
    HandlerSpec(
        name="dispatcher",
        entry="chalicelib.entrypoints.sequencing:dispatcher",
        description="Keeps a task's token private and sends the task's .triggered event.",
        queue=DISPATCH_QUEUE,
    ),
    HandlerSpec(
        name="finisher",
        entry="chalicelib.entrypoints.sequencing:finisher",
        description="Ends runs: sends <stage>.<sequence>.finished, starts the next, chains.",
        queue=CONTROL_QUEUE,
    ),
    HandlerSpec(
        name="approval",
        entry="chalicelib.entrypoints.approvals:approval",
        description="Keptn's approval service: automatic decisions, or wait for a human.",
        pattern={"detail-type": ["sh.keptn.event.approval.triggered"]},
    ),
    HandlerSpec(
        name="watcher",
        entry="chalicelib.entrypoints.sequencing:watcher",
        description="Times out runs whose task got no answer in time (every minute).",
        schedule_seconds=60,
    ),
)


def queue_name(stage: str, queue: str) -> str:
    return f"quartermaster-{stage}-{queue}"
