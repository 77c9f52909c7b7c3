"""The uniform applier: bring a project's rules on the bus in line with its latest uniform.

Run for every change of a project's `uniform.yaml` (and for a deleted project), by a handler of
its own, at least once. It lists the project's rules, puts the missing ones (after storing
each subscription's record and registering container task definitions) and then deletes the
ones no subscription wants: a run interrupted anywhere and run again ends with exactly the
uniform's rules. A subscription that cannot get its rule (EventBridge refused its target) is
recorded with the reason; the others are applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.events import format_time
from chalicelib.domain.executors import ExecutorKind
from chalicelib.domain.subscriptions import Subscription, uniform_subscriptions
from chalicelib.domain.uniform_state import AppliedRule, AppliedUniform, StoredSubscription
from chalicelib.engine.container_machine import machine_definition
from chalicelib.engine.container_tasks import ContainerRuntime, task_definition, task_family
from chalicelib.engine.uniform_rules import Deployment, plan, project_prefix, rule_for
from chalicelib.errors import InvalidInput
from chalicelib.ports import (
    ConfigStore,
    ContainerTasks,
    SubscriptionRules,
    UniformStore,
    Workflows,
)
from chalicelib.services.uniform.current import latest_uniform

log = logging.getLogger("quartermaster-handlers.uniform")


@dataclass(frozen=True)
class ReconcileDeps:
    config: ConfigStore
    uniforms: UniformStore
    rules: SubscriptionRules
    deployment: Callable[[], Deployment]  # resolved on first use (the account id)
    runtime: Callable[[], ContainerRuntime | None]  # None: no ECS cluster configured
    containers: ContainerTasks | None
    machines: Workflows | None
    container_machine: str
    clock: Callable[[], datetime]


def reconcile(project: str, deps: ReconcileDeps) -> AppliedUniform | None:
    """Apply the project's latest uniform; None when the project no longer exists (its rules
    are deleted and nothing is recorded)."""
    exists = deps.config.get_project(project) is not None
    current = latest_uniform(project, deps.config) if exists else None
    subscriptions = uniform_subscriptions(project, current[0]) if current else []
    deployment = deps.deployment()
    unprepared = _prepare_executors(project, subscriptions, deps)
    wanted, applied, errors = [], [], list(unprepared.values())
    for subscription in subscriptions:
        if subscription.id in unprepared:
            continue
        try:
            rule = rule_for(subscription, project, deployment)
        except InvalidInput as error:
            errors.append(f"{subscription.owner} on {subscription.event}: {error.message}")
            continue
        if rule is not None:
            wanted.append(rule)
        applied.append(AppliedRule(subscription=subscription.id, rule=rule.name if rule else ""))
    existing = deps.rules.list_rules(project_prefix(deployment.stage, project))
    steps = plan(existing, wanted)
    for rule in steps.put:
        try:
            deps.rules.put_rule(rule)
        except InvalidInput as error:
            errors.append(f"rule {rule.name} ({rule.description}): {error.message}")
            applied = [entry for entry in applied if entry.rule != rule.name]
    for name in steps.delete:
        deps.rules.delete_rule(name)
    log.info(
        "uniform of %s: %d rules put, %d deleted, %d unchanged, %d errors",
        project,
        len(steps.put),
        len(steps.delete),
        len(steps.unchanged),
        len(errors),
    )
    if not exists:
        return None
    record = AppliedUniform(
        project=project,
        commit=current[1] if current else "",
        time=format_time(deps.clock()),
        rules=tuple(applied),
        errors=tuple(errors),
    )
    deps.uniforms.put_applied(record)
    return record


def _prepare_executors(
    project: str, subscriptions: list[Subscription], deps: ReconcileDeps
) -> dict[str, str]:
    """Before any rule can deliver to them: the records the task executor and the webhook
    executor (hooks) read, and for images their task definitions and the state machine that
    runs them. Returns the subscriptions that cannot run (id -> why): they get no rule."""
    executed = [
        subscription
        for subscription in subscriptions
        if subscription.executor.kind in (ExecutorKind.IMAGE, ExecutorKind.PROCESS)
        or subscription.executor.hook
    ]
    deps.uniforms.put_subscriptions(
        [
            StoredSubscription(project=project, subscription=subscription)
            for subscription in executed
        ]
    )
    images = [s for s in executed if s.executor.kind is ExecutorKind.IMAGE]
    runtime = deps.runtime() if images else None
    if runtime is None or deps.containers is None or deps.machines is None:
        return {}  # without a cluster the executor answers each such task, saying why
    stage = deps.deployment().stage
    failed: dict[str, str] = {}
    for subscription in images:
        family = task_family(stage, subscription.executor)
        try:
            deps.containers.ensure_task_definition(
                task_definition(family, subscription.executor, subscription.owner, runtime)
            )
        except InvalidInput as error:
            failed[subscription.id] = (
                f"{subscription.owner} on {subscription.event}: {error.message}"
            )
    deps.machines.ensure_state_machine(deps.container_machine, machine_definition())
    return failed
