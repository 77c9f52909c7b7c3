"""Failed authentications per client: a token bucket per source IP, as Keptn's API had.

Only failures draw from a client's bucket, so a correct token is never slowed, whoever else
failed from the same address. The buckets live in the process's memory: in Lambda each warm
container counts on its own (docs/operations.md, Failed authentications).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

# Keptn's api-service allowed one failed authentication per second per client. A burst of a
# few on top lets a person fix a mistyped token without waiting; the sustained rate is Keptn's.
FAILURES_PER_SECOND = 1.0
BURST = 5
# Enough clients for any real attack on one container, few enough to stay small in memory.
MAX_CLIENTS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FailureLimiter:
    """`failed(client)` records a failed authentication: 0 when it may be answered as such,
    otherwise the whole seconds the client must wait (answer 429 with Retry-After)."""

    def __init__(
        self,
        per_second: float = FAILURES_PER_SECOND,
        burst: int = BURST,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_second
        self._burst = float(burst)
        self._max_clients = max_clients
        self._clock = clock
        # Least recently failed first, so the oldest entries are the ones dropped when full.
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        # Lambda runs one request at a time; the local runtime serves from several threads.
        self._lock = threading.Lock()

    def failed(self, client: str) -> int:
        with self._lock:
            return self._failed(client)

    def _failed(self, client: str) -> int:
        now = self._clock()
        bucket = self._buckets.pop(client, None) or _Bucket(tokens=self._burst, updated=now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        self._buckets[client] = bucket
        self._forget_oldest()
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / self._rate))

    def _forget_oldest(self) -> None:
        # An entry dropped here is a client that has not failed for the longest time: at worst
        # it gets its burst back early.
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
