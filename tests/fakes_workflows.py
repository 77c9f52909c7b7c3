"""In-memory Workflows (Step Functions) and failure injection for the sequencing fakes.

`FakeWorkflows` is held to the contract suite Step Functions on moto passes
(tests/integration/test_workflows_contract.py). `CrashAfter` lets a fake fail right after a
write; `FlakyBus` fails a number of publishes: a redelivery must then finish the work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.events import KeptnEvent
from chalicelib.errors import DependencyFailure, NotFound
from tests.fakes import FakeBus


class CrashAfter:
    """`crash_after(name, skip=n)`: after `n` more calls that succeed, the next call of that
    method does its write, then raises. `writes` counts the writes done per method."""

    def __init__(self) -> None:
        self.crashes: dict[str, tuple[int, int]] = {}  # method -> (calls to skip, crashes)
        self.writes: dict[str, int] = {}

    def crash_after(self, method: str, times: int = 1, skip: int = 0) -> None:
        self.crashes[method] = (skip, times)

    def _written(self, method: str) -> None:
        self.writes[method] = self.writes.get(method, 0) + 1
        skip, times = self.crashes.get(method, (0, 0))
        if skip > 0:
            self.crashes[method] = (skip - 1, times)
        elif times > 0:
            self.crashes[method] = (0, times - 1)
            raise DependencyFailure(f"injected: {method} was written, its answer was lost")


@dataclass
class FakeExecution:
    arn: str
    machine: str
    name: str
    input: dict[str, object]
    status: str = "RUNNING"
    stop_cause: str | None = None
    outputs: list[dict[str, object]] = field(default_factory=list)  # task results handed in


class FakeWorkflows(CrashAfter):
    """State machines by name, executions by name (started once), task tokens used once."""

    REGION_ACCOUNT = "us-east-1:123456789012"

    def __init__(self) -> None:
        super().__init__()
        self.machines: dict[str, dict[str, object]] = {}
        self.updates: dict[str, int] = {}
        self.executions: dict[str, FakeExecution] = {}
        self.waiting: dict[str, str] = {}  # token -> execution arn
        self.used: set[str] = set()
        self._tokens = 0

    def ensure_state_machine(self, name: str, definition: dict[str, object]) -> None:
        if name in self.machines:
            self.updates[name] = self.updates.get(name, 0) + 1
        self.machines[name] = definition

    def start(self, machine: str, execution_name: str, run: dict[str, object]) -> str:
        if machine not in self.machines:
            raise NotFound(f"state machine {machine} does not exist")
        arn = f"arn:aws:states:{self.REGION_ACCOUNT}:execution:{machine}:{execution_name}"
        if arn not in self.executions:
            self.executions[arn] = FakeExecution(arn, machine, execution_name, {"run": run})
            self._written("start")
        return arn

    def wait_for_task(self, execution_arn: str) -> str:
        """The test's part of the state machine: the execution reaches a task and waits on a
        new token (what a dispatch message carries)."""
        self._tokens += 1
        token = f"token-{self._tokens}"
        self.waiting[token] = execution_arn
        return token

    def complete_task(self, token: str, output: dict[str, object]) -> bool:
        arn = self.waiting.pop(token, None)
        if arn is None or self.executions[arn].status != "RUNNING":
            return False
        self.used.add(token)
        self.executions[arn].outputs.append(output)
        self._written("complete_task")
        return True

    def stop(self, execution_arn: str, cause: str) -> None:
        execution = self.executions.get(execution_arn)
        if execution is not None and execution.status == "RUNNING":
            execution.status, execution.stop_cause = "ABORTED", cause
        self._written("stop")

    def queue_url(self, name: str) -> str:
        return f"https://sqs.us-east-1.amazonaws.com/123456789012/{name}"


class FlakyBus(FakeBus):
    """A bus whose publishes fail (EventBridge unreachable): after `skip` that succeed, the
    next `failures` raise; then it delivers again."""

    def __init__(self, failures: int = 0, skip: int = 0) -> None:
        super().__init__()
        self.failures = failures
        self.skip = skip

    def publish(self, event: KeptnEvent) -> None:
        if self.skip > 0:
            self.skip -= 1
        elif self.failures > 0:
            self.failures -= 1
            raise DependencyFailure(f"injected: event {event.type} could not be published")
        super().publish(event)


class FakeTimers:
    """Timers that hold their messages until a test delivers the due ones (`due_now`)."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[datetime, dict[str, object]]] = []

    def schedule(self, message: dict[str, object], due: datetime) -> None:
        self.scheduled.append((due, message))

    def due_now(self, now: datetime) -> list[dict[str, object]]:
        """Take the messages due at `now` (a real queue delays one 15 minutes at most)."""
        ready = [message for due, message in self.scheduled if due <= now]
        self.scheduled = [(due, message) for due, message in self.scheduled if due > now]
        return ready
