"""The polling tool of bench/load.py: answers open tasks as Keptn's remote execution plane does."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

TOOL = "load-tool"


class PollingTool:
    """Answers every open task of a project as a remote execution plane does: it polls the
    open `.triggered` events of each task type, then sends `.started` and `.finished` for
    each one it has not answered yet (a few at once, from a small thread pool)."""

    def __init__(
        self, api: Any, project: str, tasks: Sequence[str], interval_s: float, workers: int
    ) -> None:
        self._api, self._project, self._interval = api, project, interval_s
        self._tasks = tuple(tasks)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tool")
        self._taken: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tool-poller", daemon=True)
        self.polls, self.answers, self.errors = 0, 0, 0
        self.poll_ms: list[float] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._pool.shutdown(wait=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for task in self._tasks:
                sent = time.perf_counter()
                try:
                    answer = self._api.get(
                        f"/v1/event/triggered/sh.keptn.event.{task}.triggered",
                        params={"project": self._project},
                    )
                    answer.raise_for_status()
                except Exception:
                    self.errors += 1
                    continue
                self.poll_ms.append((time.perf_counter() - sent) * 1000)
                self.polls += 1
                for event in answer.json()["events"]:
                    with self._lock:
                        if event["id"] in self._taken:
                            continue
                        self._taken.add(event["id"])
                    self._pool.submit(self._answer, task, event)
            self._stop.wait(self._interval)

    def _answer(self, task: str, triggered: dict[str, Any]) -> None:
        data = {k: triggered["data"][k] for k in ("project", "stage", "service")}
        try:
            for phase, extra in (("started", {}), ("finished", {"result": "pass"})):
                self._api.post(
                    "/v1/event",
                    json={
                        "specversion": "1.0",
                        "source": TOOL,
                        "id": str(uuid.uuid4()),
                        "type": f"sh.keptn.event.{task}.{phase}",
                        "shkeptncontext": triggered["shkeptncontext"],
                        "triggeredid": triggered["id"],
                        "data": {**data, "status": "succeeded", **extra},
                    },
                ).raise_for_status()
            self.answers += 1
        except Exception:
            self.errors += 1
            with self._lock:  # answered again at the next poll
                self._taken.discard(triggered["id"])
