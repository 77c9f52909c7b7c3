"""Feed queued deliveries to handler functions exactly as Lambda would receive them.

Bus handlers get the EventBridge envelope (the body of their rule's SQS message); queue
handlers get an SQS event (`{"Records": [...]}`) with one record, as a batch size of 1 gives.
`deliver_once` drains a queue step by step (tests and benchmarks); `QueuePoller` feeds it
continuously, as an event source mapping does (the local runtime).
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from infra.definition import queue_names
from infra.handlers import HANDLERS, HandlerSpec

Handler = Callable[[dict[str, Any], Any], Any]
log = logging.getLogger("qm.local")
MAX_BATCH = 10  # ReceiveMessage returns at most ten messages


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


class QueuePoller:
    """One queue fed to its handler as Lambda's SQS event source mapping feeds a function: it
    long-polls, invokes the handler once per message with up to `concurrency` invocations at
    once (the mapping's maximum concurrency), and deletes each message when its invocation
    succeeded. A failed one reappears after the visibility timeout and, after three receives,
    goes to the dead-letter queue.

    Invocations run beside the polling, not after it: a message that arrives while the
    handler is busy is taken at once, as a second Lambda instance would take it, instead of
    waiting for the invocation before it and for that one's delete."""

    def __init__(
        self,
        sqs: Any,
        queued: QueuedHandler,
        concurrency: int,
        stop: threading.Event,
        wait_seconds: int = 1,
    ) -> None:
        self._sqs = sqs
        self._queued = queued
        self._concurrency = max(1, concurrency)
        self._stop = stop
        self._wait_seconds = wait_seconds
        # A slot per invocation: nothing is received that no invocation could take at once,
        # so no message sits invisible in this process while another could handle it.
        self._slots = threading.BoundedSemaphore(self._concurrency)
        self._pool = ThreadPoolExecutor(
            max_workers=self._concurrency, thread_name_prefix=f"h-{queued.spec.name}"
        )

    def run(self) -> None:
        """Poll until stopped (the body of the poller's thread)."""
        while not self._stop.is_set():
            taken = self._take_slots()
            try:
                messages = self._sqs.receive_message(
                    QueueUrl=self._queued.queue_url,
                    MaxNumberOfMessages=taken,
                    WaitTimeSeconds=self._wait_seconds,
                ).get("Messages", [])
            except Exception:
                log.exception("receiving for %s failed; polling again", self._queued.spec.name)
                messages = []
                self._stop.wait(1)  # the emulator may be restarting or stopping
            for _ in range(taken - len(messages)):
                self._slots.release()
            for message in messages:
                try:
                    self._pool.submit(self._invoke, message)
                except RuntimeError:  # the process is exiting: the message reappears later
                    self._slots.release()
        self._pool.shutdown(wait=False)

    def _take_slots(self) -> int:
        """Wait for one free slot, then take any others free right now (a batch's worth)."""
        self._slots.acquire()
        taken = 1
        while taken < min(self._concurrency, MAX_BATCH) and self._slots.acquire(blocking=False):
            taken += 1
        return taken

    def _invoke(self, message: dict[str, Any]) -> None:
        queued = self._queued
        try:
            queued.handler(
                handler_input(queued.spec, message), LambdaContext(function_name=queued.spec.name)
            )
            self._sqs.delete_message(
                QueueUrl=queued.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        except Exception:
            log.exception("handler %s failed; the message will be retried", queued.spec.name)
        finally:
            self._slots.release()
