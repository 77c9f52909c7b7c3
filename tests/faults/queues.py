"""Lambda's SQS event source mappings, one round at a time, for the fault sweeps: every
handler's queue is read, each message handed to its handler (twice, when asked), a failed
message made visible again at once, and after `MAX_ATTEMPTS` failures set aside as a
dead-letter queue would keep it (visible, never retried)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from qm.local.delivery import LambdaContext, QueuedHandler, handler_input
from tests.faults.injector import Injector

# The queues' redrive policy moves a message to its dead-letter queue after three receives.
MAX_ATTEMPTS = 3


class QueueDelivery:
    """Delivers the messages waiting on `handlers`' queues; the handlers `struck` names run
    with the injector's fault armed, the others untouched."""

    def __init__(
        self,
        sqs: Any,
        handlers: list[QueuedHandler],
        injector: Injector,
        struck: Callable[[str], bool],
    ) -> None:
        self.sqs = sqs
        self.handlers = handlers
        self.injector = injector
        self.struck = struck
        self.failures: Counter[str] = Counter()  # message id -> failed deliveries
        self.dead_letters = 0
        self.twice = False  # deliver every message twice (at-least-once delivery)

    def reset(self) -> None:
        self.failures.clear()
        self.dead_letters = 0

    def deliver(self) -> int:
        """One round over every queue; how many messages were handed out."""
        handled = 0
        for queued in self.handlers:
            messages = self.sqs.receive_message(
                QueueUrl=queued.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            for message in messages:
                handled += 1
                self._invoke(queued, message)
        return handled

    def _invoke(self, queued: QueuedHandler, message: dict[str, Any]) -> None:
        name = queued.spec.name
        try:
            for _ in range(2 if self.twice else 1):
                event = handler_input(queued.spec, message)
                if self.struck(name):
                    with self.injector.handling(name):
                        queued.handler(event, LambdaContext(name))
                else:
                    queued.handler(event, LambdaContext(name))
        except Exception:
            self.failures[message["MessageId"]] += 1
            if self.failures[message["MessageId"]] >= MAX_ATTEMPTS:
                self.sqs.delete_message(
                    QueueUrl=queued.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                self.dead_letters += 1
                return
            self.sqs.change_message_visibility(
                QueueUrl=queued.queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=0,
            )
            return
        self.sqs.delete_message(QueueUrl=queued.queue_url, ReceiptHandle=message["ReceiptHandle"])
