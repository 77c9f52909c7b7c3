"""The messages between a run's state machine and the control plane (the "Execution contract"
in chalicelib/engine/asl.py), and the control queue's answer deadlines.

- dispatch queue: `DispatchMessage`, one per task, carrying the task token;
- control queue: `FinishedMessage` (the run's end), `TimeoutMessage` (a task's `timeout`
  property expired) and `DeadlineMessage` (a task's answer deadline, scheduled by the control
  plane itself).

Unknown keys are ignored: the state machine may carry more than the control plane reads.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.outcomes import Result, Status
from chalicelib.domain.runs import Scope

DEADLINE = "deadline"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class RunRef(_Message):
    """The execution's input `run`; only its id is read."""

    id: str


class DispatchMessage(_Message):
    kind: Literal["dispatch"] = "dispatch"
    task_token: str = Field(alias="taskToken")
    execution: str = ""
    run: RunRef
    index: int
    task: str
    # The task's shipyard properties as JSON text (so Step Functions takes no key for a path).
    properties: str | None = None


class LastResult(_Message):
    """The last task's result the machine went on with (`$.last`)."""

    result: str = Result.PASS
    status: str = Status.SUCCEEDED
    timed_out: bool = Field(default=False, alias="timedOut")


class FinishedMessage(_Message):
    kind: Literal["finished"] = "finished"
    execution: str = ""
    run: RunRef
    last: LastResult | None = None


class TimeoutMessage(_Message):
    kind: Literal["timeout"]
    execution: str = ""
    run: RunRef
    index: int | None = None
    task: str | None = None
    timeout_seconds: int | None = Field(default=None, alias="timeoutSeconds")
    on_timeout: str | None = Field(default=None, alias="onTimeout")


class DeadlineMessage(_Message):
    kind: Literal["deadline"] = "deadline"
    triggered_id: str = Field(alias="triggeredId")
    due: str  # Keptn's time format

    def wire(self) -> dict[str, object]:
        return {"kind": self.kind, "triggeredId": self.triggered_id, "due": self.due}


class StartMessage(_Message):
    """Start the oldest queued run of a scope (a run's trigger, a settle time later)."""

    kind: Literal["start"] = "start"
    scope: Scope

    def wire(self) -> dict[str, object]:
        return {"kind": self.kind, "scope": self.scope.model_dump()}


ControlMessage = FinishedMessage | TimeoutMessage | DeadlineMessage | StartMessage


def parse_control_message(message: dict[str, Any]) -> ControlMessage:
    """A control-queue message by its kind; a message of no known kind is the run's end."""
    kind = message.get("kind")
    if kind == DEADLINE:
        return DeadlineMessage.model_validate(message)
    if kind == "timeout":
        return TimeoutMessage.model_validate(message)
    if kind == "start":
        return StartMessage.model_validate(message)
    return FinishedMessage.model_validate({**message, "kind": "finished"})
