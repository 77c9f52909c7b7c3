"""Effects: what a sequencing decision still has to do outside its own write, as frozen data.

A decision (a run ends, a task closes, a task is dispatched, a person decides) is stored in one
DynamoDB write together with its effects (the item's `outbox`). The effects are then carried
out and removed. Every effect is safe to carry out twice: events keep the id fixed when the
decision was made, a used task token is refused by Step Functions, a free lock stays free. So a
handler that crashed after its write, or a redelivery that finds the write done, only has to
carry out whatever is still in the outbox.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from chalicelib.domain.runs import Scope


class _Effect(BaseModel):
    model_config = ConfigDict(frozen=True)

    @property
    def key(self) -> str:
        """Unique within one outbox; part of the stored attribute name."""
        raise NotImplementedError


class Publish(_Effect):
    """Send this event (a structured CloudEvent, its id fixed) on the bus."""

    kind: Literal["publish"] = "publish"
    event: dict[str, Any]

    @property
    def key(self) -> str:
        return f"publish:{self.event['id']}"


class ResumeTask(_Effect):
    """Hand a task's result to the execution waiting on its token (SendTaskSuccess)."""

    kind: Literal["resume"] = "resume"
    token: str
    output: dict[str, Any]

    @property
    def key(self) -> str:
        return "resume"


class StopExecution(_Effect):
    kind: Literal["stop"] = "stop"
    execution_arn: str
    cause: str

    @property
    def key(self) -> str:
        return "stop"


class AbandonTask(_Effect):
    """Close a task whatever its answers (its run ended): late answers change nothing."""

    kind: Literal["abandon"] = "abandon"
    triggered_id: str

    @property
    def key(self) -> str:
        return f"abandon:{self.triggered_id}"


class FreeScope(_Effect):
    """The run leaves its scope (the lock, or the queue if it still waits there); then the
    oldest waiting run of the scope starts."""

    kind: Literal["free"] = "free"
    scope: Scope
    run_id: str

    @property
    def key(self) -> str:
        return "free"


class ScheduleDeadline(_Effect):
    """Look at the task at `due` (Keptn's time format): a task with no `.started` or
    `.finished` by then ends its run timed out (Keptn's TASK_STARTED_WAIT_DURATION)."""

    kind: Literal["deadline"] = "deadline"
    triggered_id: str
    due: str

    @property
    def key(self) -> str:
        return "deadline"


Effect = Annotated[
    Publish | ResumeTask | StopExecution | AbandonTask | FreeScope | ScheduleDeadline,
    Field(discriminator="kind"),
]
_EFFECT: TypeAdapter[Effect] = TypeAdapter(Effect)


def outbox_entries(effects: list[Effect], stamp: str) -> dict[str, str]:
    """Attribute name -> JSON. Names sort in the order to carry effects out: by the decision's
    time (`stamp`), then by their place in the decision."""
    return {
        f"{stamp}/{n:02d}/{effect.key}": effect.model_dump_json()
        for n, effect in enumerate(effects)
    }


def effects_from_outbox(entries: dict[str, str]) -> list[tuple[str, Effect]]:
    """(attribute name, effect) in decision order."""
    return [(name, _EFFECT.validate_json(entries[name])) for name in sorted(entries)]
