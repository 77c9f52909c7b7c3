"""ProcessRunner on the local machine: kind `process`, for the local runtime only.

Each command runs in a thread of its own, so the task executor returns at once; the thread
reports the exit (or the time limit, after which the command is killed) to `on_exit`. The
task's variables are added to the environment the command inherits with env(1), and its
output (stdout and stderr together) is kept for the `.finished` message.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable

from chalicelib.ports import ProcessExit, ProcessRun

log = logging.getLogger("quartermaster-handlers.processes")
KEPT_BYTES = 64 * 1024
REPORT_ATTEMPTS = 3  # the bus may be briefly unavailable; then the task's deadline ends it


class LocalProcesses:
    def __init__(self) -> None:
        self._started: set[str] = set()
        self._lock = threading.Lock()

    def start(self, key: str, run: ProcessRun, on_exit: Callable[[ProcessExit], None]) -> None:
        with self._lock:  # a redelivered event runs its command once
            if key in self._started:
                return
            self._started.add(key)
        thread = threading.Thread(
            target=self._run, args=(run, on_exit), name=f"process-{run.command[0]}", daemon=True
        )
        thread.start()

    def _run(self, run: ProcessRun, on_exit: Callable[[ProcessExit], None]) -> None:
        assignments = [f"{name}={value}" for name, value in run.environment]
        try:
            finished = subprocess.run(
                ["env", *assignments, *run.command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=run.timeout_seconds,
                check=False,
            )
            ended = ProcessExit(
                exit_code=finished.returncode,
                output=finished.stdout[-KEPT_BYTES:].decode("utf-8", "replace"),
            )
        except subprocess.TimeoutExpired as expired:
            output = (expired.output or b"")[-KEPT_BYTES:].decode("utf-8", "replace")
            ended = ProcessExit(exit_code=None, timed_out=True, output=output)
        except OSError as error:
            ended = ProcessExit(exit_code=None, problem=str(error))
        for attempt in range(REPORT_ATTEMPTS):
            try:
                on_exit(ended)
                return
            except Exception:
                log.exception("reporting the end of %s failed", " ".join(run.command))
                time.sleep(2**attempt)
