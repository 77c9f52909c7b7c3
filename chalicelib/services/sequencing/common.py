"""What every sequencing step shares: its dependencies, sending events (built by
chalicelib/engine/sequencing/events.py), shipyard look-ups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.event_types import task_event_type
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.domain.messages import SettleMessage
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.runs import Scope
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.asl import state_machine_name
from chalicelib.engine.sequencing import events
from chalicelib.engine.sequencing.events import CONTROL_PLANE, scope_data, stable_id
from chalicelib.errors import NotFound
from chalicelib.ports import (
    ConfigStore,
    EventBus,
    PauseFlags,
    RunStore,
    ScopeQueues,
    TaskStore,
    Timers,
    Workflows,
)

__all__ = [
    "CONTROL_PLANE",
    "Publishing",
    "SequencingDeps",
    "answer_task",
    "machine_name",
    "publish",
    "scope_data",
    "settle_later",
    "shipyard_at",
    "stable_id",
]


@dataclass(frozen=True)
class SequencingDeps:
    """Built by `chalicelib.bootstrap.sequencing_deps` (on AWS, the four stores are one
    DynamoDB table)."""

    runs: RunStore
    queues: ScopeQueues
    pauses: PauseFlags
    tasks: TaskStore
    config: ConfigStore
    bus: EventBus
    workflows: Workflows
    timers: Timers
    clock: Callable[[], datetime]
    deployment: str  # the deployment stage, part of state machine names
    dispatch_queue: str
    control_queue: str
    task_wait_seconds: int
    start_settle_seconds: int = 0

    def now(self) -> str:
        return format_time(self.clock())


# Longer than an API call can last (API Gateway gives up after 29 s, the function's timeout).
SETTLE_AFTER_SECONDS = 60


def settle_later(
    deps: SequencingDeps, *, triggered_id: str | None = None, run_id: str | None = None
) -> None:
    """Before an API call writes a decision on a task (or a run's end): a delayed message that
    carries out what the decision leaves in the item's outbox, once the call is over, should
    it have failed after its write. Finding the outbox empty, it does nothing."""
    message = SettleMessage(triggeredId=triggered_id, runId=run_id)
    deps.timers.schedule(message.wire(), deps.clock() + timedelta(seconds=SETTLE_AFTER_SECONDS))


def machine_name(deps: SequencingDeps, scope: Scope, sequence: str) -> str:
    return state_machine_name(deps.deployment, scope.project, scope.stage, sequence)


def shipyard_at(config: ConfigStore, project: str, commit: str | None) -> Shipyard:
    """The project's shipyard as of `commit` (None: the newest); NotFound says why not."""
    resource = config.get_resource(ResourceScope(project=project), "shipyard.yaml", commit)
    if resource is None:
        raise NotFound(f"no shipyard.yaml in project '{project}' at commit {commit or 'HEAD'}")
    return parse_document(resource.content.decode("utf-8"), Shipyard, "shipyard.yaml")


class Publishing(Protocol):
    """What sending an event needs: the bus and the clock (SequencingDeps has both)."""

    @property
    def bus(self) -> EventBus: ...

    def now(self) -> str: ...


def publish(deps: Publishing, **fields: Any) -> KeptnEvent:
    """Build (chalicelib/engine/sequencing/events.py `build_event`'s fields, stamped with the
    deployment's clock) and send an event at once, for steps whose retry re-sends it by itself
    (its id is fixed by what caused it)."""
    event = events.build_event(now=deps.now(), **fields)
    deps.bus.publish(event)
    return event


def answer_task(
    deps: Publishing,
    triggered: KeptnEvent,
    task: str,
    phase: str,
    data: dict[str, Any],
    source: str,
) -> KeptnEvent:
    """A service's `<task>.<phase>` answering `triggered` (its id derives from the triggered
    event's, so a retried step re-sends the same event)."""
    return publish(
        deps,
        event_id=stable_id(triggered.id, source, phase),
        event_type=task_event_type(task, phase),
        context=triggered.shkeptncontext,
        data=data,
        triggeredid=triggered.id,
        gitcommitid=triggered.gitcommitid,
        source=source,
    )
