"""The dependency bundles of sequencing, intake, projects, the lighthouse, the SLI providers and the
webhook executor, from the container."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Types only: importing the ports (and the domain models behind them) at run time would
    # put every model into every cold start; the adapters import what they need when built.
    from chalicelib.services.intake import IntakeDeps
    from chalicelib.services.lighthouse.common import LighthouseDeps
    from chalicelib.services.project_deletion import DeletionDeps
    from chalicelib.services.projects import ProjectDeps
    from chalicelib.services.sequencing.common import SequencingDeps
    from chalicelib.services.sli_provider import ProviderDeps
    from chalicelib.services.webhooks.common import WebhookDeps

from chalicelib.bootstrap.container import Container, container


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


def deletion_deps(built: Container | None = None) -> DeletionDeps:
    """What deleting a project needs: every store that keeps something of it."""
    from chalicelib.services.project_deletion import DeletionDeps
    from chalicelib.services.sequencing.control import abort_project_runs

    deps = built or container()
    return DeletionDeps(
        config=deps.config,
        clock=deps.clock,
        abort_runs=lambda project: abort_project_runs(project, sequencing_deps(deps)),
        evaluations=deps.evaluations,
        service_states=deps.service_states,
        deployments=deps.deployments,
        apply_requests=deps.apply_requests,
    )
