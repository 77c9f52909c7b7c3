"""The messages between a run's state machine and the control plane (the "Execution contract"
in chalicelib/engine/asl.py), and the control queue's answer deadlines.

- dispatch queue: `DispatchMessage`, one per task, carrying the task token;
- control queue: `FinishedMessage` (the run's end), `TimeoutMessage` (a task's `timeout`
  property expired), `LateMessage` (a task's answer deadline passed; the execution waits on a
  new token), and the control plane's own delayed messages: `DeadlineMessage` (the answer
  deadline of a task sent late), `StartMessage` (a settled start) and `SettleMessage` (what an
  API call's decision left to do).

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
    # Set by machines that bound the wait for a first answer themselves (the Task state's
    # heartbeat, then a `LateMessage`): the answer deadline in seconds, 0 when the task's own
    # `timeout` comes first. None (machines compiled before): a delayed message keeps it.
    answer_seconds: int | None = Field(default=None, alias="answerSeconds")


class LateMessage(_Message):
    """A task got no result within its answer deadline (the Task state's heartbeat expired):
    the execution waits on a new token until the control plane says how it goes on."""

    kind: Literal["late"] = "late"
    task_token: str = Field(alias="taskToken")
    execution: str = ""
    run: RunRef
    index: int
    task: str


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


class SettleMessage(_Message):
    """Carry out what a decision made through the API left in its item's outbox (sent before
    the decision is written, delivered after the call is over whatever became of it)."""

    kind: Literal["settle"] = "settle"
    triggered_id: str | None = Field(default=None, alias="triggeredId")
    run_id: str | None = Field(default=None, alias="runId")

    def wire(self) -> dict[str, object]:
        key = {"triggeredId": self.triggered_id} if self.triggered_id else {"runId": self.run_id}
        return {"kind": self.kind, **key}


class StartMessage(_Message):
    """Start the oldest queued run of a scope (a run's trigger, a settle time later)."""

    kind: Literal["start"] = "start"
    scope: Scope

    def wire(self) -> dict[str, object]:
        return {"kind": self.kind, "scope": self.scope.model_dump()}


ControlMessage = (
    FinishedMessage | TimeoutMessage | DeadlineMessage | StartMessage | LateMessage | SettleMessage
)


def parse_control_message(message: dict[str, Any]) -> ControlMessage:
    """A control-queue message by its kind; a message of no known kind is the run's end."""
    kind = message.get("kind")
    if kind == DEADLINE:
        return DeadlineMessage.model_validate(message)
    if kind == "timeout":
        return TimeoutMessage.model_validate(message)
    if kind == "start":
        return StartMessage.model_validate(message)
    if kind == "late":
        return LateMessage.model_validate(message)
    if kind == "settle":
        return SettleMessage.model_validate(message)
    return FinishedMessage.model_validate({**message, "kind": "finished"})
