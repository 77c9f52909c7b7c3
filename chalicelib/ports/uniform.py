"""The uniform: subscription rules on the bus, applied uniforms, registered integrations, apply
requests, container tasks and processes on the local machine."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from chalicelib.domain.bus_rules import ExistingRule, RuleSpec
    from chalicelib.domain.integrations import Integration, LogEntry
    from chalicelib.domain.uniform_state import AppliedUniform, StoredSubscription


class SubscriptionRules(Protocol):
    """The deployment's subscription rules on its bus (EventBridge in AWS)."""

    def list_rules(self, prefix: str) -> list[ExistingRule]:
        """Every rule whose name starts with `prefix`, with its targets."""
        ...

    def put_rule(self, rule: RuleSpec) -> None:
        """Create or replace the rule and its one target. InvalidInput when EventBridge refuses
        the pattern or the target (the message says which)."""
        ...

    def delete_rule(self, name: str) -> None:
        """Remove the rule and its targets; nothing when it does not exist."""
        ...


class UniformStore(Protocol):
    """Subscriptions by id (immutable records) and each project's last applied uniform."""

    def put_subscriptions(self, records: list[StoredSubscription]) -> None: ...

    def get_subscription(self, subscription_id: str) -> StoredSubscription | None: ...

    def get_applied(self, project: str) -> AppliedUniform | None: ...

    def put_applied(self, applied: AppliedUniform) -> None: ...


class IntegrationStore(Protocol):
    """Registered integrations (Keptn's uniform registration) and their error log."""

    def get_integration(self, integration_id: str) -> Integration | None: ...

    def list_integrations(self) -> list[Integration]: ...

    def save_integration(self, integration: Integration) -> bool:
        """Store it if its `revision` is still the stored one (0: new), as revision + 1;
        False when another write came first (read it again and retry)."""
        ...

    def delete_integration(self, integration_id: str) -> bool: ...

    def add_logs(self, entries: list[tuple[str, LogEntry]]) -> None:
        """Store entries under their ids (writing an id again replaces that entry)."""
        ...

    def logs(
        self,
        integration_id: str | None,
        from_time: str | None,
        before_time: str | None,
        offset: int,
        page_size: int,
    ) -> tuple[list[LogEntry], int]:
        """A page of entries, newest first, and how many match in all."""
        ...

    def delete_logs(
        self, integration_id: str | None, from_time: str | None, before_time: str | None
    ) -> int: ...


class ApplyRequests(Protocol):
    """Asks the uniform applier to bring a project's rules in line with its uniform."""

    def request_apply(self, project: str) -> None: ...


class ContainerTasks(Protocol):
    """Container task definitions for image executors (ECS in AWS)."""

    def ensure_task_definition(self, definition: dict[str, object]) -> None:
        """Register the task definition unless its family (named after its content) has an
        active revision already."""
        ...


class ProcessRun(BaseModel):
    """A command of a uniform's `process` executor, with its environment and time limit."""

    model_config = ConfigDict(frozen=True)

    command: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    timeout_seconds: int


class ProcessExit(BaseModel):
    """How it ended: its exit code (None when it was stopped at its time limit or could not
    start), and the end of what it printed."""

    model_config = ConfigDict(frozen=True)

    exit_code: int | None
    timed_out: bool = False
    output: str = ""
    problem: str = ""  # why it could not start


class ProcessRunner(Protocol):
    """Runs commands on the local runtime's machine (kind `process`; nowhere else)."""

    def start(self, key: str, run: ProcessRun, on_exit: Callable[[ProcessExit], None]) -> None:
        """Start the command and return at once; `on_exit` is called when it ended. A run
        with a `key` started before (a redelivery) is not started again."""
        ...
