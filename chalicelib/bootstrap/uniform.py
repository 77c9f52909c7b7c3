"""The uniform's dependency bundles: applying, the guard, hooks, the task executor, integrations
and their log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    # Types only: importing the ports (and the domain models behind them) at run time would
    # put every model into every cold start; the adapters import what they need when built.
    from chalicelib.engine.container_tasks import ContainerRuntime
    from chalicelib.engine.uniform_rules import Deployment
    from chalicelib.services.uniform.apply import ApplyDeps
    from chalicelib.services.uniform.executor import ExecutorDeps
    from chalicelib.services.uniform.guard import GuardDeps
    from chalicelib.services.uniform.hooks import HookDeps
    from chalicelib.services.uniform.integrations import IntegrationDeps
    from chalicelib.services.uniform.logs import LogDeps
    from chalicelib.services.uniform.reconcile import ReconcileDeps

from chalicelib.bootstrap.container import Container, container
from chalicelib.bootstrap.deps import webhook_deps

T = TypeVar("T")


def _need(adapter: T | None, name: str) -> T:
    if adapter is None:
        raise RuntimeError(f"this container has no {name} (build it with the uniform's adapters)")
    return adapter


def _uniform_parts(built: Container | None) -> tuple[Container, Callable[[], Deployment]]:
    deps = built or container()
    return deps, _need(deps.deployment, "deployment")


def container_runtime(built: Container | None = None) -> Callable[[], ContainerRuntime | None]:
    """Where container tasks run, from settings; None without an ECS cluster."""
    from chalicelib.engine.container_tasks import ContainerRuntime

    deps, deployment = _uniform_parts(built)
    settings = deps.settings

    def resolve() -> ContainerRuntime | None:
        if not settings.task_cluster:
            return None
        where = deployment()

        def role(name: str) -> str:
            return f"arn:{where.partition}:iam::{where.account}:role/{name}"

        return ContainerRuntime(
            cluster=settings.task_cluster,
            subnets=tuple(filter(None, settings.task_subnets.split(","))),
            security_groups=tuple(filter(None, settings.task_security_groups.split(","))),
            public_ip=settings.task_public_ip,
            execution_role_arn=role(settings.task_execution_role),
            task_role_arn=role(settings.task_role) if settings.task_role else None,
            log_group=settings.task_log_group,
            region=where.region,
            poll_seconds=settings.task_poll_seconds,
        )

    return resolve


def uniform_apply_deps(built: Container | None = None) -> ApplyDeps:
    """What the API needs to apply, delete and show a project's uniform."""
    from chalicelib.services.uniform.apply import ApplyDeps, Capabilities

    deps, _ = _uniform_parts(built)
    settings = deps.settings
    return ApplyDeps(
        config=deps.config,
        uniforms=_need(deps.uniforms, "uniforms"),
        integrations=_need(deps.integrations, "integrations"),
        evaluations=deps.evaluations,
        requests=_need(deps.apply_requests, "apply_requests"),
        capabilities=Capabilities(
            containers=bool(settings.task_cluster),
            processes=settings.process_tasks,
            lambdas=settings.lambda_targets,
        ),
    )


def reconcile_deps(built: Container | None = None) -> ReconcileDeps:
    """The uniform applier's dependencies."""
    from chalicelib.services.uniform.reconcile import ReconcileDeps

    deps, deployment = _uniform_parts(built)
    return ReconcileDeps(
        config=deps.config,
        uniforms=_need(deps.uniforms, "uniforms"),
        rules=_need(deps.subscription_rules, "subscription_rules"),
        deployment=deployment,
        runtime=container_runtime(deps),
        containers=deps.containers,
        machines=deps.container_machines,
        container_machine=deps.settings.container_machine,
        clock=deps.clock,
    )


def guard_deps(built: Container | None = None) -> GuardDeps:
    from chalicelib.services.uniform.guard import GuardDeps
    from chalicelib.services.webhooks.lookup import WebhookFiles

    deps, _ = _uniform_parts(built)
    if deps.guard_webhook_files is None:
        deps.guard_webhook_files = WebhookFiles()
    return GuardDeps(
        bus=deps.bus,
        config=deps.config,
        uniforms=_need(deps.uniforms, "uniforms"),
        integrations=_need(deps.integrations, "integrations"),
        clock=deps.clock,
        webhook_files=deps.guard_webhook_files,
    )


def hook_deps(built: Container | None = None) -> HookDeps:
    """What a uniform service's hook needs: its subscription record and the webhook executor."""
    from chalicelib.services.uniform.hooks import HookDeps

    deps = built or container()
    return HookDeps(uniforms=_need(deps.uniforms, "uniforms"), webhooks=webhook_deps(deps))


def executor_deps(built: Container | None = None) -> ExecutorDeps:
    from chalicelib.services.uniform.executor import ExecutorDeps

    deps, _ = _uniform_parts(built)
    return ExecutorDeps(
        bus=deps.bus,
        uniforms=_need(deps.uniforms, "uniforms"),
        machines=deps.container_machines,
        runtime=container_runtime(deps),
        processes=deps.processes,
        container_machine=deps.settings.container_machine,
        stage=deps.settings.stage,
        bus_name=deps.settings.event_bus,
        clock=deps.clock,
    )


def integration_deps(built: Container | None = None) -> IntegrationDeps:
    from chalicelib.services.uniform.integrations import IntegrationDeps

    deps, _ = _uniform_parts(built)
    return IntegrationDeps(integrations=_need(deps.integrations, "integrations"), clock=deps.clock)


def log_deps(built: Container | None = None) -> LogDeps:
    from chalicelib.services.uniform.logs import LogDeps

    deps, _ = _uniform_parts(built)
    return LogDeps(integrations=_need(deps.integrations, "integrations"), clock=deps.clock)
