"""What the executor's steps share: dependencies, the target of a service, records written
with a revision, and the task's `.started` and `.finished`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.deployment_records import DeploymentRecord, Finish, Phase
from chalicelib.domain.deployments import DEPLOYMENT, TARGET_TASKS, StrategyKind
from chalicelib.domain.event_types import task_event_type
from chalicelib.domain.events import KeptnEvent, format_time
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.targets import TARGET_FILE, TargetFile, TargetSpec
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.deploy.allowed import TargetAllowlist
from chalicelib.engine.deploy.strategies import read_strategy
from chalicelib.engine.sequencing.events import stable_id
from chalicelib.errors import DependencyFailure, QuartermasterError
from chalicelib.ports import (
    ConfigStore,
    DeploymentStore,
    DeploymentTarget,
    EventBus,
    TargetContext,
    Workflows,
)
from chalicelib.services.sequencing.common import publish

# Keptn's helm-service signed its answers with its name; tools filtering on source see ours.
SOURCE = "quartermaster-deployer"
SAVE_ATTEMPTS = 5


@dataclass(frozen=True)
class DeployDeps:
    """Built by `chalicelib.bootstrap.deploy_deps`."""

    bus: EventBus
    config: ConfigStore
    deployments: DeploymentStore
    workflows: Workflows
    targets: Callable[[TargetSpec, TargetContext], DeploymentTarget]
    clock: Callable[[], datetime]
    deployment: str  # the deployment stage, part of state machine names
    deploy_queue: str
    evaluation_timeout_seconds: int
    allowed: TargetAllowlist

    def now(self) -> str:
        return format_time(self.clock())


def read_target(
    config: ConfigStore, project: str, stage: str, service: str, commit: str | None
) -> TargetSpec | None:
    """The service's target.yaml at `commit`: the service's, else the stage's, else the
    project's. InvalidDocument when the one found does not validate."""
    for scope in (
        ResourceScope(project=project, stage=stage, service=service),
        ResourceScope(project=project, stage=stage),
        ResourceScope(project=project),
    ):
        resource = config.get_resource(scope, TARGET_FILE, commit)
        if resource is not None:
            text = resource.content.decode("utf-8", errors="replace")
            return parse_document(text, TargetFile, f"{scope.describe()}: {TARGET_FILE}").spec
    return None


def carried_out_by_target(event: KeptnEvent, config: ConfigStore) -> bool:
    """Whether the deployer takes this task `.triggered`: a deployment, release or rollback of a
    service with a target.yaml at the event's commit, and a strategy other than user_managed. A
    target file or strategy that cannot be read counts too: the deployer answers it errored."""
    task = task_of(event.type)
    if task is None:
        return False
    data = event.data
    scope = {key: str(data.get(key) or "") for key in ("project", "stage", "service")}
    try:
        if read_target(config, **scope, commit=event.gitcommitid or None) is None:
            return False
        deployment = data.get(DEPLOYMENT)
        strategy = read_strategy(deployment if isinstance(deployment, dict) else None)
    except QuartermasterError as error:
        if error.retryable:
            raise
        return True
    return strategy.kind is not StrategyKind.USER_MANAGED


def task_of(event_type: str) -> str | None:
    """The target task (deployment, release, rollback) whose `.triggered` this is, or None."""
    for task in TARGET_TASKS:
        if event_type == task_event_type(task, "triggered"):
            return task
    return None


def target_of(record: DeploymentRecord, deps: DeployDeps) -> DeploymentTarget:
    context = TargetContext(
        project=record.project,
        stage=record.stage,
        service=record.service,
        gitcommitid=record.gitcommitid,
    )
    return deps.targets(record.target, context)


def update(
    deps: DeployDeps,
    record: DeploymentRecord,
    change: Callable[[DeploymentRecord], DeploymentRecord | None],
) -> DeploymentRecord:
    """Apply `change` to `record` and write it with the next revision; when another write came
    first, read the record again and apply `change` to that. `change` returns None when there
    is nothing to write."""
    current: DeploymentRecord | None = record
    for _ in range(SAVE_ATTEMPTS):
        if current is None:
            raise DependencyFailure(f"deployment {record.id} has no record (yet)")
        changed = change(current)
        if changed is None:
            return current
        written = changed.model_copy(update={"revision": current.revision + 1})
        if deps.deployments.save(written):
            return written
        current = deps.deployments.get(record.id)
    raise DependencyFailure(f"deployment {record.id}: its record kept changing; try again")


def answer(
    deps: DeployDeps,
    *,
    triggered_id: str,
    task: str,
    phase: str,
    context: str,
    gitcommitid: str | None,
    data: dict[str, Any],
) -> KeptnEvent:
    """The executor's `<task>.<phase>` answering the task (its id fixed by the task's id)."""
    return publish(
        deps,
        event_id=stable_id(triggered_id, SOURCE, phase),
        event_type=f"sh.keptn.event.{task}.{phase}",
        context=context,
        data=data,
        triggeredid=triggered_id,
        gitcommitid=gitcommitid,
        source=SOURCE,
    )


def send_started(record: DeploymentRecord, deps: DeployDeps) -> None:
    answer(
        deps,
        triggered_id=record.id,
        task=record.task,
        phase="started",
        context=record.keptn_context,
        gitcommitid=record.gitcommitid,
        data={**record.scope_data(), "status": "succeeded"},
    )


def conclude(record: DeploymentRecord, finish: Finish, deps: DeployDeps) -> DeploymentRecord:
    """Write the task's end (once: a later decision never replaces it), then send its
    `.finished`; a redelivery finds it written and sends the same event again."""

    def decide(current: DeploymentRecord) -> DeploymentRecord | None:
        if current.phase is Phase.FINISHED:
            return None
        changes: dict[str, Any] = {"phase": Phase.FINISHED, "finish": finish}
        if finish.version is not None:
            changes["version"] = finish.version
        return current.model_copy(update=changes)

    ended = update(deps, record, decide)
    send_finished(ended, deps)
    return ended


def send_finished(record: DeploymentRecord, deps: DeployDeps) -> None:
    finish = record.finish
    assert finish is not None
    if record.task == "deployment" and finish.result == "pass" and record.version is not None:
        deps.deployments.set_last_deployment(record)
    answer(
        deps,
        triggered_id=record.id,
        task=record.task,
        phase="finished",
        context=record.keptn_context,
        gitcommitid=record.gitcommitid,
        data={
            **record.scope_data(),
            **finish.data,
            "result": finish.result,
            "status": finish.status,
            "message": finish.message,
        },
    )
