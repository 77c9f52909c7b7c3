"""Which projects exist, remembered briefly so that every incoming event does not cost a read.

Only "exists" is remembered: a new project is accepted at once, and a deleted one keeps being
accepted for at most `ttl_seconds` (its sequences are then refused by the sequencer).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalicelib.ports import ConfigStore


class KnownProjects:
    def __init__(
        self,
        config: ConfigStore,
        ttl_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._ttl = ttl_seconds
        self._clock = clock
        self._seen: dict[str, float] = {}

    def exists(self, name: str) -> bool:
        now = self._clock()
        seen = self._seen.get(name)
        if seen is not None and now - seen < self._ttl:
            return True
        if self._config.get_project(name) is None:
            self._seen.pop(name, None)
            return False
        self._seen[name] = now
        return True
