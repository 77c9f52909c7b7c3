"""The composition root: the one place that picks adapters and builds services' dependencies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.settings import Settings, get_settings

if TYPE_CHECKING:
    # Types only: importing the ports (and the domain models behind them) at run time would
    # put every model into every cold start; the adapters import what they need when built.
    from chalicelib.domain.targets import TargetSpec
    from chalicelib.engine.container_tasks import ContainerRuntime
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
    from chalicelib.services.deploy.common import DeployDeps
    from chalicelib.services.intake import IntakeDeps
    from chalicelib.services.known_projects import KnownProjects
    from chalicelib.services.lighthouse.common import LighthouseDeps
    from chalicelib.services.projects import ProjectDeps
    from chalicelib.services.sequencing.common import SequencingDeps
    from chalicelib.services.sli_provider import ProviderDeps
    from chalicelib.services.uniform.apply import ApplyDeps
    from chalicelib.services.uniform.executor import ExecutorDeps
    from chalicelib.services.uniform.guard import GuardDeps
    from chalicelib.services.uniform.hooks import HookDeps
    from chalicelib.services.uniform.integrations import IntegrationDeps
    from chalicelib.services.uniform.logs import LogDeps
    from chalicelib.services.uniform.reconcile import ReconcileDeps
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


def sequencing_deps(built: Container | None = None) -> SequencingDeps:
    """What the sequencing services need, from `built` (default: the process's container)."""
    from chalicelib.services.sequencing.common import SequencingDeps

    deps = built or container()
    settings = deps.settings
    return SequencingDeps(
        runs=deps.runs,
        queues=deps.runs,
        pauses=deps.runs,
        tasks=deps.runs,
        config=deps.config,
        bus=deps.bus,
        workflows=deps.workflows,
        timers=deps.timers,
        clock=deps.clock,
        deployment=settings.stage,
        dispatch_queue=settings.queue_name("dispatch"),
        control_queue=settings.queue_name("control"),
        task_wait_seconds=settings.task_wait_seconds,
        start_settle_seconds=settings.start_settle_seconds,
    )


def intake_deps(built: Container | None = None) -> IntakeDeps:
    """What accepting an event needs (the API and the evaluation trigger)."""
    from chalicelib.services.intake import IntakeDeps

    deps = built or container()
    return IntakeDeps(
        bus=deps.bus,
        project_exists=deps.known_projects.exists,
        clock=deps.clock,
        max_event_bytes=deps.settings.max_event_bytes,
    )


def project_deps(built: Container | None = None) -> ProjectDeps:
    from chalicelib.services.projects import ProjectDeps

    deps = built or container()
    return ProjectDeps(config=deps.config, clock=deps.clock)


def lighthouse_deps(built: Container | None = None) -> LighthouseDeps:
    from chalicelib.services.lighthouse.common import LighthouseDeps

    deps = built or container()
    return LighthouseDeps(
        bus=deps.bus,
        config=deps.config,
        evaluations=deps.evaluations,
        secrets=deps.secrets,
        clock=deps.clock,
    )


def provider_deps(built: Container | None = None) -> ProviderDeps:
    """The built-in SLI providers' dependencies (CloudWatch's client made on first use)."""
    from chalicelib.adapters.sli_cloudwatch import CloudWatchSliProvider
    from chalicelib.adapters.sli_prometheus import PrometheusSliProvider
    from chalicelib.services.sli_provider import ProviderDeps

    deps = built or container()
    return ProviderDeps(
        bus=deps.bus,
        config=deps.config,
        evaluations=deps.evaluations,
        secrets=deps.secrets,
        clock=deps.clock,
        cloudwatch=lambda: CloudWatchSliProvider(deps.cloudwatch, clock=deps.clock),
        prometheus=lambda access: PrometheusSliProvider(
            access.url,
            username=access.username,
            password=access.password,
            bearer_token=access.bearer_token,
        ),
    )


def webhook_deps(built: Container | None = None) -> WebhookDeps:
    """The webhook executor's dependencies: the SSRF guard's policy from the settings, httpx,
    the system resolver, signed approval links when the API's public URL is set."""
    deps = built or container()
    if deps.webhooks is not None:
        return deps.webhooks
    from chalicelib.adapters.http_sender import DnsResolver, HttpxSender
    from chalicelib.domain.address_guard import GuardPolicy
    from chalicelib.services.webhooks.approval_links import LinkSigner
    from chalicelib.services.webhooks.common import HttpLimits, WebhookDeps

    settings = deps.settings
    signer = None
    if settings.public_api_url:
        signer = LinkSigner(
            key=link_key(deps),
            public_url=settings.public_api_url,
            max_seconds=settings.approval_link_seconds,
            clock=deps.clock,
        )
    deps.webhooks = WebhookDeps(
        config=deps.config,
        secrets=deps.secrets,
        bus=deps.bus,
        journal=deps.webhook_journal,
        sender=HttpxSender(settings.webhook_max_response_bytes),
        resolver=DnsResolver(),
        policy=GuardPolicy.from_lists(*settings.webhook_lists()),
        clock=deps.clock,
        limits=HttpLimits(
            connect_timeout=settings.webhook_connect_timeout_seconds,
            read_timeout=settings.webhook_read_timeout_seconds,
            retries=settings.webhook_retries,
        ),
        links=signer,
    )
    return deps.webhooks


def link_key(built: Container | None = None) -> Callable[[], bytes]:
    """The approval links' signing key, read (or created) on its first call."""
    deps = built or container()
    if deps.link_key is None:
        from chalicelib.services.webhooks.approval_links import LinkKey

        deps.link_key = LinkKey(deps.secrets, deps.settings.approval_link_key)
    return deps.link_key


def use_container(replacement: Container | None) -> None:
    """Install a container built elsewhere (tests with fakes); None rebuilds on next use."""
    global _container
    _container = replacement


class TargetAdapters:
    """The adapter for a target spec, by `spec.type` (`_builders`); a type without one is
    refused with a message (the task ends errored). Roles of other accounts are assumed once
    per process and renewed before they expire; `config` reads what a target keeps in the
    project's configuration (manifests)."""

    def __init__(
        self,
        clients: Any,
        roles: Any | None = None,
        config: Any | None = None,
        eks_endpoints: Any | None = None,
    ) -> None:
        from chalicelib.adapters.assumed_roles import AssumedRoles

        self._clients = clients
        self._config = config
        # `eks_endpoints`: where EKS API servers are, (session, region) -> ClusterEndpoints
        # (None: eks:DescribeCluster; tests: a local stand-in of the Kubernetes API).
        self._eks_endpoints = eks_endpoints
        self._eks_access: Any | None = None
        # `roles`: an AssumedRoles of another STS (tests: one that refuses).
        self._roles = roles or AssumedRoles(
            lambda: clients.sts, lambda **credentials: _new_session(**credentials)
        )
        self._builders: dict[str, Callable[[Any, TargetContext], DeploymentTarget]] = {
            "lambda": self._lambda,
            "eks": self._eks,
        }

    def session(self, role_arn: str | None, external_id: str | None) -> Any:
        """A boto3 Session acting as `role_arn` (None: the deployment's own)."""
        if role_arn is None:
            return self._clients.session
        return self._roles.session(role_arn, external_id)

    def __call__(self, spec: TargetSpec, context: TargetContext) -> DeploymentTarget:
        build = self._builders.get(spec.type)
        if build is None:
            from chalicelib.errors import InvalidInput

            raise InvalidInput(
                f"targets of type '{spec.type}' cannot be deployed by this version of "
                "Quartermaster yet; deploy with your own tool (deploymentstrategy: user_managed) "
                "meanwhile"
            )
        return build(spec, context)

    def _lambda(self, spec: Any, context: TargetContext) -> DeploymentTarget:
        from chalicelib.adapters.lambda_target import LambdaAliasTarget

        region = spec.function.split(":")[3] if spec.function.startswith("arn:") else None
        role, external_id = spec.role_arn, spec.external_id

        def client(service: str) -> Any:
            return self.session(role, external_id).client(service, region_name=region)

        return LambdaAliasTarget(spec, client)

    def _eks(self, spec: Any, context: TargetContext) -> DeploymentTarget:
        from chalicelib.adapters.eks_access import ClusterRef, EksAccess
        from chalicelib.adapters.eks_target import EksNamespaceTarget, read_manifests
        from chalicelib.adapters.kubernetes_api import KubernetesApi
        from chalicelib.adapters.kubernetes_rollouts import KubernetesRollouts
        from chalicelib.adapters.kubernetes_strategies import KubernetesStrategies

        if self._eks_access is None:  # one per process: it keeps a client per cluster
            endpoints = {} if self._eks_endpoints is None else {"endpoints": self._eks_endpoints}
            self._eks_access = EksAccess(self.session, **endpoints)
        access = self._eks_access
        arn_region = spec.cluster.split(":")[3] if spec.cluster.startswith("arn:") else None
        region = spec.region or arn_region or self._clients.session.region_name
        ref = ClusterRef(spec.cluster_name, region, spec.role_arn, spec.external_id)
        config = self._config
        if config is None:
            raise RuntimeError("EKS targets read their manifests: TargetAdapters needs `config`")

        def steps() -> KubernetesStrategies:
            api = KubernetesApi(access.api_client(ref), ref.cluster)
            return KubernetesStrategies(KubernetesRollouts(api))

        return EksNamespaceTarget(
            spec, context, lambda: read_manifests(config, context, spec.manifests), steps
        )


def _new_session(**credentials: Any) -> Any:
    import boto3

    return boto3.session.Session(**credentials)


def deploy_deps(built: Container | None = None) -> DeployDeps:
    """What the deployment executor needs."""
    from chalicelib.engine.deploy.allowed import TargetAllowlist
    from chalicelib.services.deploy.common import DeployDeps

    deps = built or container()
    settings = deps.settings
    if deps.deployments is None or deps.targets is None:
        raise RuntimeError("this container has no deployment store or targets")
    return DeployDeps(
        bus=deps.bus,
        config=deps.config,
        deployments=deps.deployments,
        workflows=deps.workflows,
        targets=deps.targets,
        clock=deps.clock,
        deployment=settings.stage,
        deploy_queue=settings.queue_name("deploy"),
        evaluation_timeout_seconds=settings.canary_evaluation_timeout_seconds,
        allowed=TargetAllowlist(
            functions=settings.target_functions,
            roles=settings.target_roles,
            clusters=settings.target_clusters,
        ),
    )


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
