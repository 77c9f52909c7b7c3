"""Feed queued deliveries to handler functions exactly as Lambda would receive them.

Bus handlers get the EventBridge envelope (the body of their rule's SQS message); queue
handlers get an SQS event (`{"Records": [...]}`) with one record, as a batch size of 1 gives.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.definition import queue_names
from infra.handlers import HANDLERS, HandlerSpec

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The parts of Lambda's context object handlers may read."""

    function_name: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def resolve_entry(entry: str) -> Handler:
    module_name, _, attribute = entry.partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    return handler


def handler_input(spec: HandlerSpec, message: dict[str, Any]) -> dict[str, Any]:
    if spec.pattern is not None:
        envelope: dict[str, Any] = json.loads(message["Body"])
        return envelope
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "eventSource": "aws:sqs",
    }
    return {"Records": [record]}


@dataclass(frozen=True)
class QueuedHandler:
    spec: HandlerSpec
    queue_url: str
    handler: Handler


def queued_handlers(sqs: Any, stage: str) -> list[QueuedHandler]:
    """Every handler fed through a queue, with that queue's URL."""
    names = queue_names(stage)
    return [
        QueuedHandler(
            spec,
            sqs.get_queue_url(QueueName=names[spec.name])["QueueUrl"],
            resolve_entry(spec.entry),
        )
        for spec in HANDLERS
        if spec.name in names
    ]


def scheduled_handlers() -> list[tuple[HandlerSpec, Handler]]:
    return [
        (spec, resolve_entry(spec.entry)) for spec in HANDLERS if spec.schedule_seconds is not None
    ]


def deliver_once(sqs: Any, queued: QueuedHandler, wait_seconds: int = 0) -> int:
    """Receive up to ten messages and hand each to the handler; delete what succeeded.
    A failure propagates after the messages before it are deleted (tests want to see it;
    the runtime logs it and leaves the message for SQS to redeliver)."""
    messages = sqs.receive_message(
        QueueUrl=queued.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
    ).get("Messages", [])
    context = LambdaContext(function_name=queued.spec.name)
    for message in messages:
        queued.handler(handler_input(queued.spec, message), context)
        sqs.delete_message(QueueUrl=queued.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return len(messages)
