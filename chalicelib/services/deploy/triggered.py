"""`deployment`, `release` and `rollback` `.triggered`: decide, record, carry out, answer.

The decision (target, strategy, artifact, and what runs now) is recorded before the target is
touched, with the task's `.triggered` id as the record's id; a redelivered event finds the record
and carries on from where the first delivery stopped (a target's operations are safe to repeat,
ports.DeploymentTarget). A service without a target.yaml, or a `user_managed` strategy, is not
ours: the event is left to the user's tools.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.deployment_records import DeploymentRecord, Finish, Phase
from chalicelib.domain.deployments import (
    DEPLOYMENT,
    RELEASE,
    Artifact,
    Routing,
    Strategy,
    StrategyKind,
)
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.targets import TargetSpec
from chalicelib.engine.deploy import reports
from chalicelib.engine.deploy.allowed import refusal
from chalicelib.engine.deploy.strategies import read_strategy
from chalicelib.errors import InvalidInput, QuartermasterError
from chalicelib.ports import DeploymentTarget
from chalicelib.services.deploy import canary
from chalicelib.services.deploy.common import (
    DeployDeps,
    answer,
    conclude,
    read_target,
    send_finished,
    send_started,
    target_of,
    task_of,
    update,
)
from chalicelib.services.deploy.releases import release, roll_back

log = logging.getLogger("quartermaster-handlers.deploy")


def on_task_triggered(event: KeptnEvent, deps: DeployDeps) -> bool:
    """Carry out the task if its service has a target; False when it is left to the tools."""
    task = task_of(event.type)
    if task is None:
        return False
    record = deps.deployments.get(event.id)
    if record is None:
        record = _decide(event, task, deps)
        if record is None:
            return False
        if not deps.deployments.create(record):  # a concurrent delivery recorded it first
            record = deps.deployments.get(event.id) or record
    send_started(record, deps)
    _carry_out(record, deps)
    return True


def _decide(event: KeptnEvent, task: str, deps: DeployDeps) -> DeploymentRecord | None:
    data = event.data
    scope = {key: str(data.get(key) or "") for key in ("project", "stage", "service")}
    try:
        target = read_target(deps.config, **scope, commit=event.gitcommitid or None)
        if target is None:
            return None
        strategy = read_strategy(_block(data, DEPLOYMENT))
        if strategy.kind is StrategyKind.USER_MANAGED:
            return None
        problem = refusal(target, deps.allowed)
        if problem is not None:
            raise InvalidInput(problem)
        artifact = _artifact(data) if task == DEPLOYMENT else Artifact()
        record = _record(event, task, target, strategy, artifact, deps)
        previous = target_of(record, deps).current()
    except QuartermasterError as error:
        if error.retryable:
            raise
        _refuse(event, task, error.message, deps)
        return None
    return record.model_copy(update={"previous": previous})


def _record(
    event: KeptnEvent,
    task: str,
    target: TargetSpec,
    strategy: Strategy,
    artifact: Artifact,
    deps: DeployDeps,
) -> DeploymentRecord:
    data = event.data
    labels = data.get("labels")
    deployed = _block(data, DEPLOYMENT) or {}
    # release and rollback act on the version this run's deployment reported.
    version = _text(deployed.get("version")) if task != DEPLOYMENT else None
    replaced = _text(deployed.get("previousVersion")) if task != DEPLOYMENT else None
    return DeploymentRecord(
        id=event.id,
        task=task,
        project=str(data.get("project") or ""),
        stage=str(data.get("stage") or ""),
        service=str(data.get("service") or ""),
        keptn_context=event.shkeptncontext,
        gitcommitid=event.gitcommitid or None,
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        target=target,
        strategy=strategy,
        artifact=artifact,
        version=version,
        replaced=replaced,
        created=deps.now(),
    )


def _refuse(event: KeptnEvent, task: str, message: str, deps: DeployDeps) -> None:
    """A task that cannot be carried out: `.started`, then `.finished` errored with the cause
    (nothing was changed). Both ids derive from the task's, so a redelivery repeats nothing."""
    data = {key: event.data.get(key) for key in ("project", "stage", "service")}
    for phase, extra in (
        ("started", {"status": "succeeded"}),
        ("finished", {"status": "errored", "result": "fail", "message": message}),
    ):
        answer(
            deps,
            triggered_id=event.id,
            task=task,
            phase=phase,
            context=event.shkeptncontext,
            gitcommitid=event.gitcommitid,
            data={**data, **extra},
        )
    log.warning("%s %s refused: %s", task, event.id, message)


def _carry_out(record: DeploymentRecord, deps: DeployDeps) -> None:
    if record.phase is Phase.FINISHED:
        send_finished(record, deps)
        return
    if record.phase is Phase.CANARY:
        canary.start(record, deps)
        return
    target = target_of(record, deps)
    try:
        if record.task == DEPLOYMENT:
            finish = _deploy(record, target, deps)
            if finish is None:  # a canary: its execution answers the task when it ends
                return
        elif record.task == RELEASE:
            finish = release(record, target)
        else:
            finish = roll_back(record, target, deps)
    except QuartermasterError as error:
        if error.retryable:
            raise
        finish = _failed(record, target, error, deps)
    conclude(record, finish, deps)


def _deploy(record: DeploymentRecord, target: DeploymentTarget, deps: DeployDeps) -> Finish | None:
    previous = record.previous or Routing()
    kind = record.strategy.kind
    if kind is StrategyKind.DIRECT or previous.version is None:
        routing = target.deploy(record.artifact, record.id)
        version = routing.version
    else:
        routing = target.stage(record.artifact, record.id)
        version = routing.candidate or routing.version
    if kind is StrategyKind.CANARY and routing.candidate is not None:
        # The version and the phase in one write: a redelivery then starts the execution
        # (named after the task, so once) instead of staging again.
        record = update(deps, record, lambda current: _to_canary(current, version))
        canary.start(record, deps)
        return None
    record = record.model_copy(update={"version": version})
    if routing.candidate is None and version == previous.version:
        message = f"version {version} runs on {record.target.describe()} already; nothing changed"
    else:
        message = reports.deployed_message(record, routing)
    endpoints = target.endpoints(routing.candidate)
    finish = reports.passed(message, reports.deployment_block(record, endpoints))
    return finish.model_copy(update={"version": version})


def _to_canary(record: DeploymentRecord, version: str | None) -> DeploymentRecord:
    changes: dict[str, Any] = {"version": version}
    if record.phase is Phase.STARTED:
        changes["phase"] = Phase.CANARY
    return record.model_copy(update=changes)


def _failed(
    record: DeploymentRecord, target: DeploymentTarget, error: QuartermasterError, deps: DeployDeps
) -> Finish:
    """The task ends errored with the cause; whatever it changed goes back to what ran."""
    message = error.message
    if record.task != RELEASE and record.previous is not None:
        try:
            restored = target.rollback(record.previous)
        except QuartermasterError as second:
            message += f"; restoring what ran before failed too: {second.message}"
        else:
            message += f"; {restored.describe()}"
    return reports.errored(message)


def _artifact(data: dict[str, Any]) -> Artifact:
    change = _block(data, "configurationChange") or {}
    values = change.get("values") if isinstance(change.get("values"), dict) else None
    artifact = Artifact.from_values(values)
    if artifact.empty:
        raise InvalidInput(
            "configurationChange.values names nothing to deploy: give artifact "
            "(s3://bucket/key.zip), image (an image URI) or version (a published version)"
        )
    return artifact


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _block(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, dict) else None
