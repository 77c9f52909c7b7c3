"""Timers on SQS: a message to the control queue with a delivery delay (15 minutes at most).

An idle deployment then invokes nothing: no schedule sweeps for overdue tasks; each task's
deadline arrives by itself, once, and a later one is carried forward by the finisher.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime

from chalicelib.adapters.aws_clients import AwsClients

MAX_DELAY_SECONDS = 900  # SQS's longest delivery delay


class SqsTimers:
    def __init__(self, clients: AwsClients, queue_name: str, clock: Callable[[], datetime]) -> None:
        self._clients = clients
        self._queue_name = queue_name
        self._clock = clock
        self._queue_url: str | None = None

    def schedule(self, message: dict[str, object], due: datetime) -> None:
        sqs = self._clients.sqs
        if self._queue_url is None:
            self._queue_url = str(sqs.get_queue_url(QueueName=self._queue_name)["QueueUrl"])
        now = self._clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        wait = math.ceil((due - now).total_seconds())
        sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=json.dumps(message),
            DelaySeconds=max(0, min(MAX_DELAY_SECONDS, wait)),
        )
