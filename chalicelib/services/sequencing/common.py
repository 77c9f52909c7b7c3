"""What every sequencing step shares: its dependencies, events it sends, shipyard look-ups."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.event_types import task_event_type
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.runs import RUN_NAMESPACE, Run, Scope
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.asl import state_machine_name
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

# Keptn's controller signs its events so; tools that look at `source` keep working.
CONTROL_PLANE = "shipyard-controller"


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


def machine_name(deps: SequencingDeps, scope: Scope, sequence: str) -> str:
    return state_machine_name(deps.deployment, scope.project, scope.stage, sequence)


def shipyard_at(config: ConfigStore, project: str, commit: str | None) -> Shipyard:
    """The project's shipyard as of `commit` (None: the newest); NotFound says why not."""
    resource = config.get_resource(ResourceScope(project=project), "shipyard.yaml", commit)
    if resource is None:
        raise NotFound(f"no shipyard.yaml in project '{project}' at commit {commit or 'HEAD'}")
    return parse_document(resource.content.decode("utf-8"), Shipyard, "shipyard.yaml")


def stable_id(*parts: str) -> str:
    """An event id derived from what caused it, so a retried step re-sends the same event."""
    return str(uuid.uuid5(RUN_NAMESPACE, "/".join(parts)))


class Publishing(Protocol):
    """What sending an event needs: the bus and the clock (SequencingDeps has both)."""

    @property
    def bus(self) -> EventBus: ...

    def now(self) -> str: ...


def build_event(
    deps: Publishing,
    *,
    event_id: str,
    event_type: str,
    context: str,
    data: dict[str, Any],
    triggeredid: str | None = None,
    gitcommitid: str | None = None,
    source: str = CONTROL_PLANE,
) -> KeptnEvent:
    return KeptnEvent(
        id=event_id,
        source=source,
        type=event_type,
        time=deps.now(),
        shkeptncontext=context,
        triggeredid=triggeredid,
        gitcommitid=gitcommitid,
        data=data,
    )


def publish(deps: Publishing, **fields: Any) -> KeptnEvent:
    """Build (`build_event`'s fields) and send an event at once, for steps whose retry re-sends
    it by itself (its id is fixed by what caused it)."""
    event = build_event(deps, **fields)
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


def scope_data(run: Run) -> dict[str, Any]:
    """project/stage/service/labels of a run, the common part of every event about it."""
    data: dict[str, Any] = {
        "project": run.scope.project,
        "stage": run.scope.stage,
        "service": run.scope.service,
    }
    labels = run.input.get("labels")
    if isinstance(labels, dict) and labels:
        data["labels"] = labels
    return data
