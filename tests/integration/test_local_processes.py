"""Commands of `process` services on the local machine: exit codes, output, the time limit,
the event's environment, and one run per key."""

from __future__ import annotations

import sys
import threading

from chalicelib.adapters.local_processes import LocalProcesses
from chalicelib.ports import ProcessExit, ProcessRun


def run(command: tuple[str, ...], timeout: int = 10, key: str = "k") -> ProcessExit:
    ended: list[ProcessExit] = []
    done = threading.Event()

    def on_exit(outcome: ProcessExit) -> None:
        ended.append(outcome)
        done.set()

    environment = (("KEPTN_SERVICE", "cart"), ("MODE", "quick"))
    LocalProcesses().start(
        key, ProcessRun(command=command, environment=environment, timeout_seconds=timeout), on_exit
    )
    assert done.wait(30)
    return ended[0]


def test_the_exit_code_and_output_come_back_with_the_events_environment() -> None:
    script = "import os, sys; print(os.environ['KEPTN_SERVICE'], os.environ['MODE']); sys.exit(3)"

    ended = run((sys.executable, "-c", script))

    assert (ended.exit_code, ended.timed_out, ended.output.strip()) == (3, False, "cart quick")


def test_a_command_past_its_time_limit_is_killed() -> None:
    ended = run(
        (sys.executable, "-c", "import time; print('working', flush=True); time.sleep(30)"),
        timeout=1,
    )

    assert (ended.exit_code, ended.timed_out) == (None, True)
    assert "working" in ended.output


def test_a_missing_command_fails_saying_so() -> None:
    ended = run(("no-such-command-here",))

    assert ended.exit_code == 127
    assert "no-such-command-here" in ended.output


def test_a_key_started_before_does_not_run_again() -> None:
    runner = LocalProcesses()
    ended: list[ProcessExit] = []
    done = threading.Event()

    def on_exit(outcome: ProcessExit) -> None:
        ended.append(outcome)
        done.set()

    command = ProcessRun(command=(sys.executable, "-c", "pass"), environment=(), timeout_seconds=10)
    runner.start("same", command, on_exit)
    runner.start("same", command, on_exit)
    assert done.wait(30)
    done.clear()
    assert not done.wait(1)
    assert len(ended) == 1
