"""The process's container: every adapter, built once per Lambda process (never at import time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings, get_settings

if TYPE_CHECKING:
    # Types only: importing the ports (and the domain models behind them) at run time would
    # put every model into every cold start; the adapters import what they need when built.
    from chalicelib.domain.targets import TargetSpec
    from chalicelib.engine.uniform_rules import Deployment
    from chalicelib.ports import (
        ApplyRequests,
        ConfigStore,
        ContainerTasks,
        DeploymentStore,
        DeploymentTarget,
        EvaluationStore,
        EventBus,
        EventStore,
        IntegrationStore,
        ProcessRunner,
        SecretStore,
        SequencingStore,
        ServiceStates,
        SubscriptionRules,
        TargetContext,
        Timers,
        TokenStore,
        UniformStore,
        Workflows,
    )
    from chalicelib.services.auth import TokenVerifier
    from chalicelib.services.known_projects import KnownProjects
    from chalicelib.services.webhooks.common import WebhookDeps


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """Everything a handler needs, built once per Lambda process."""

    settings: Settings
    bus: EventBus
    events: EventStore
    config: ConfigStore
    tokens: TokenStore
    verifier: TokenVerifier
    secrets: SecretStore
    runs: SequencingStore
    evaluations: EvaluationStore
    workflows: Workflows
    timers: Timers
    known_projects: KnownProjects
    cloudwatch: Callable[[], Any]  # a CloudWatch client, created on first call
    clock: Callable[[], datetime] = utc_now
    # Handler name -> its Powertools idempotency persistence layer (chalicelib/idempotency.py);
    # None runs handlers without one (containers of fakes).
    idempotency: Callable[[str], Any] | None = None
    # The uniform (chalicelib/services/uniform): rules on the bus, subscriptions and applied
    # uniforms, registered integrations, apply requests, container task definitions and the
    # container machine, commands on the local machine (the local runtime only), and where
    # this deployment is (its account, region and names; the account is read on first use).
    subscription_rules: SubscriptionRules | None = None
    uniforms: UniformStore | None = None
    integrations: IntegrationStore | None = None
    apply_requests: ApplyRequests | None = None
    containers: ContainerTasks | None = None
    container_machines: Workflows | None = None
    processes: ProcessRunner | None = None
    deployment: Callable[[], Deployment] | None = None
    # The webhook executor's adapters and caches (webhook_deps builds them on first use and
    # keeps them: HTTP connection pools and the webhook files read outlive one invocation).
    webhook_journal: Any = None
    webhooks: WebhookDeps | None = None
    link_key: Callable[[], bytes] | None = None
    # The deployment executor's records, and what runs where (both: the deployments table).
    deployments: DeploymentStore | None = None
    service_states: ServiceStates | None = None
    # (target spec, context) -> the adapter that deploys it (`target_adapter` on AWS).
    targets: Callable[[TargetSpec, TargetContext], DeploymentTarget] | None = None
    # The uniform guard's cache of webhook files (it asks them about tasks nothing else takes).
    guard_webhook_files: Any = None


_container: Container | None = None


def build_aws_container(settings: Settings, session: Any | None = None) -> Container:
    """Adapters on AWS (or on the local emulator: only endpoints differ). `session` is an
    optional boto3 Session to use instead of a default one."""
    from chalicelib.adapters.aws_clients import AwsClients
    from chalicelib.adapters.dynamodb_config import DynamoDbConfigStore
    from chalicelib.adapters.dynamodb_deployments import (
        DynamoDbDeploymentStore,
        DynamoDbServiceStates,
    )
    from chalicelib.adapters.dynamodb_evaluations import DynamoDbEvaluationStore
    from chalicelib.adapters.dynamodb_events import DynamoDbEventStore
    from chalicelib.adapters.dynamodb_integrations import DynamoDbIntegrationStore
    from chalicelib.adapters.dynamodb_runs import DynamoDbRunStore
    from chalicelib.adapters.dynamodb_tokens import DynamoDbTokenStore
    from chalicelib.adapters.dynamodb_uniform import DynamoDbUniformStore
    from chalicelib.adapters.ecs_tasks import EcsContainerTasks
    from chalicelib.adapters.eventbridge_bus import EventBridgeBus
    from chalicelib.adapters.eventbridge_requests import EventBridgeApplyRequests
    from chalicelib.adapters.eventbridge_rules import EventBridgeRules
    from chalicelib.adapters.idempotency_records import IdempotencyRecords
    from chalicelib.adapters.local_processes import LocalProcesses
    from chalicelib.adapters.secretsmanager_secrets import SecretsManagerStore
    from chalicelib.adapters.sqs_timers import SqsTimers
    from chalicelib.adapters.step_functions import StepFunctionsWorkflows
    from chalicelib.bootstrap.targets import TargetAdapters
    from chalicelib.services.auth import TokenVerifier
    from chalicelib.services.known_projects import KnownProjects

    clients = AwsClients(session)
    tokens = DynamoDbTokenStore(clients, settings.config_table)
    config = DynamoDbConfigStore(clients, settings.config_table)
    return Container(
        settings=settings,
        bus=EventBridgeBus(clients, settings.event_bus),
        events=DynamoDbEventStore(clients, settings.events_table),
        config=config,
        tokens=tokens,
        verifier=TokenVerifier(tokens, settings.token_cache_seconds),
        secrets=SecretsManagerStore(clients, settings.secrets_prefix),
        runs=DynamoDbRunStore(clients, settings.runs_table),
        evaluations=DynamoDbEvaluationStore(clients, settings.evaluations_table),
        workflows=StepFunctionsWorkflows(clients, settings.states_role),
        timers=SqsTimers(clients, settings.queue_name("control"), utc_now),
        known_projects=KnownProjects(config),
        cloudwatch=lambda: clients.cloudwatch,
        idempotency=IdempotencyRecords(clients, settings.idempotency_table).layer,
        subscription_rules=EventBridgeRules(clients, settings.event_bus),
        uniforms=DynamoDbUniformStore(clients, settings.config_table),
        integrations=DynamoDbIntegrationStore(clients, settings.config_table),
        apply_requests=EventBridgeApplyRequests(clients, settings.event_bus),
        containers=EcsContainerTasks(clients),
        container_machines=StepFunctionsWorkflows(clients, settings.container_role),
        processes=LocalProcesses() if settings.process_tasks else None,
        deployment=_deployment(clients, settings),
        webhook_journal=_journal(clients, settings),
        deployments=DynamoDbDeploymentStore(clients, settings.deployments_table),
        service_states=DynamoDbServiceStates(clients, settings.deployments_table),
        targets=TargetAdapters(clients, config=config),
    )


def _deployment(clients: Any, settings: Settings) -> Callable[[], Deployment]:
    """Where this deployment is, resolved once, when first needed (STS: the account id)."""
    from chalicelib.engine.uniform_rules import Deployment

    found: list[Deployment] = []

    def resolve() -> Deployment:
        if not found:
            region = clients.region
            account = clients.sts.get_caller_identity()["Account"]
            partition = _partition(region)
            executor = settings.function_name("task-executor")
            webhooks = settings.function_name("webhooks")
            found.append(
                Deployment(
                    stage=settings.stage,
                    bus=settings.event_bus,
                    region=region,
                    account=account,
                    executor_arn=f"arn:{partition}:sqs:{region}:{account}:{executor}"
                    if settings.handler_delivery == "sqs"
                    else f"arn:{partition}:lambda:{region}:{account}:function:{executor}",
                    webhooks_arn=f"arn:{partition}:sqs:{region}:{account}:{webhooks}"
                    if settings.handler_delivery == "sqs"
                    else f"arn:{partition}:lambda:{region}:{account}:function:{webhooks}",
                    partition=partition,
                )
            )
        return found[0]

    return resolve


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _journal(clients: Any, settings: Settings) -> Any:
    from chalicelib.adapters.dynamodb_webhook_journal import DynamoDbWebhookJournal

    return DynamoDbWebhookJournal(clients, settings.idempotency_table)


def container() -> Container:
    """The process-wide container, built on first use (never at import time)."""
    global _container
    if _container is None:
        _container = build_aws_container(get_settings())
    return _container


def use_container(replacement: Container | None) -> None:
    """Install a container built elsewhere (tests with fakes); None rebuilds on next use."""
    global _container
    _container = replacement
