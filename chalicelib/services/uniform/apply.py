"""Applying a uniform through the API: check it whole, commit it as the project's
`uniform.yaml` (its history is that file's commits), and ask the applier to bring the bus in
line. The answer says at once which tasks of the shipyard nothing would carry out.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.executors import ExecutorKind
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.resource_uris import UNIFORM_URI
from chalicelib.domain.subscriptions import Subscription, uniform_subscriptions
from chalicelib.domain.uniform import Uniform
from chalicelib.engine.container_tasks import CONTAINERS_UNAVAILABLE
from chalicelib.engine.coverage import Gap, gaps
from chalicelib.engine.rule_patterns import event_pattern
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.ports import (
    ApplyRequests,
    ConfigStore,
    EvaluationStore,
    IntegrationStore,
    UniformStore,
)
from chalicelib.services.projects import get_project, parse_shipyard
from chalicelib.services.uniform.current import (
    integration_subscriptions,
    latest_uniform,
    parse_uniform,
)
from chalicelib.services.uniform.target_cover import TargetFiles
from chalicelib.services.uniform.webhook_cover import WebhookTypes

MAX_UNIFORM_BYTES = 256 * 1024


@dataclass(frozen=True)
class Capabilities:
    """Which executor kinds this deployment can run."""

    containers: bool  # an ECS cluster is configured
    processes: bool  # the local runtime: commands run on its machine
    lambdas: bool  # rules may target Lambda functions (the local emulator runs none)


@dataclass(frozen=True)
class ApplyDeps:
    config: ConfigStore
    uniforms: UniformStore
    integrations: IntegrationStore
    evaluations: EvaluationStore
    requests: ApplyRequests
    capabilities: Capabilities


def decode_uniform(body: dict[str, Any]) -> str:
    """`{"uniform": <base64 of uniform.yaml>}`, as a project's shipyard is sent."""
    raw = body.get("uniform")
    if not isinstance(raw, str) or not raw:
        raise InvalidInput("field 'uniform' is required: uniform.yaml, base64-encoded")
    try:
        content = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput("field 'uniform' is not valid base64") from error
    if len(content) > MAX_UNIFORM_BYTES:
        raise InvalidInput(f"uniform.yaml is {len(content)} bytes; at most {MAX_UNIFORM_BYTES}")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput("uniform.yaml is not UTF-8 text") from error


def check_subscriptions(subscriptions: list[Subscription], capabilities: Capabilities) -> list[str]:
    """Refuse what cannot become a working subscription here (InvalidInput naming each);
    return warnings for what is accepted but cannot run here."""
    problems: list[str] = []
    warnings: list[str] = []
    for subscription in subscriptions:
        where = f"service '{subscription.owner}' on {subscription.event}"
        kind = subscription.executor.kind
        try:
            event_pattern(subscription)
        except InvalidInput as error:
            problems.append(f"{where}: {error.message}")
        if subscription.executor.webhook_files and subscription.selector is not None:
            problems.append(
                f"{where}: kind webhook without a hook runs the webhook.yaml entries of the "
                "event's service, stage or project, which a selector cannot narrow; put the "
                "entry in the webhook.yaml of the stage or service it is for (docs/webhooks.md), "
                "or give the service a hook"
            )
        if kind is ExecutorKind.PROCESS and not capabilities.processes:
            problems.append(
                f"{where}: kind process runs a command on the local runtime's machine and only "
                "there; on AWS use kind image (a container on ECS Fargate)"
            )
        if kind is ExecutorKind.LAMBDA and not capabilities.lambdas:
            problems.append(
                f"{where}: kind lambda needs AWS Lambda; the local runtime cannot invoke "
                "functions (its emulator runs no Lambda code): use kind process locally"
            )
        if kind is ExecutorKind.IMAGE and not capabilities.containers:
            warnings.append(f"service '{subscription.owner}': {CONTAINERS_UNAVAILABLE}")
    if problems:
        raise InvalidInput("uniform.yaml: " + "; ".join(dict.fromkeys(problems)))
    return list(dict.fromkeys(warnings))


def coverage(
    project: str,
    subscriptions: list[Subscription],
    deps: ApplyDeps,
    webhooks: WebhookTypes | None = None,
) -> list[Gap]:
    record = get_project(project, deps.config)
    monitoring = deps.evaluations.get_monitoring(project)
    every = [*subscriptions, *integration_subscriptions(deps.integrations)]
    files = webhooks or WebhookTypes(project, record.stages, deps.config)
    targets = TargetFiles(project, deps.config)
    return gaps(
        project,
        parse_shipyard(record.shipyard),
        every,
        monitoring.providers if monitoring else [],
        lambda stage, event_type: (
            files.serves_task(stage, event_type) or targets.serves_task(stage, event_type)
        ),
    )


def webhook_warnings(subscriptions: list[Subscription], webhooks: WebhookTypes) -> list[str]:
    """Kind webhook services without a hook whose events no webhook.yaml entry names yet."""
    return [
        f"service '{subscription.owner}': no webhook.yaml of the project has an entry for "
        f"{subscription.event} yet, so nothing runs for it (qm register webhook, or upload "
        "webhook/webhook.yaml)"
        for subscription in subscriptions
        if subscription.executor.webhook_files and not webhooks.names(subscription.event)
    ]


def apply_uniform(
    project: str,
    text: str,
    author: str,
    deps: ApplyDeps,
    expected: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """Commit `text` as the project's uniform.yaml and ask for it to be applied; `expected`:
    the version of uniform.yaml an edit read (ResourceChanged when it changed since)."""
    record = get_project(project, deps.config)
    uniform = parse_uniform(text)
    subscriptions = uniform_subscriptions(project, uniform)
    warnings = check_subscriptions(subscriptions, deps.capabilities)
    commit = deps.config.put_resources(
        ResourceScope(project=project),
        [(UNIFORM_URI, text.encode("utf-8"))],
        author,
        f"apply uniform {uniform.metadata.name}",
        expected,
    )
    deps.requests.request_apply(project)
    webhooks = WebhookTypes(project, record.stages, deps.config)
    warnings += webhook_warnings(subscriptions, webhooks)
    return answer(project, commit.id, uniform, subscriptions, warnings, deps, webhooks)


def answer(
    project: str,
    commit: str,
    uniform: Uniform,
    subscriptions: list[Subscription],
    warnings: list[str],
    deps: ApplyDeps,
    webhooks: WebhookTypes | None = None,
) -> dict[str, Any]:
    return {
        "project": project,
        "commitID": commit,
        "name": uniform.metadata.name,
        "subscriptions": [subscription_view(s) for s in subscriptions],
        "uncovered": [gap.said() for gap in coverage(project, subscriptions, deps, webhooks)],
        "warnings": warnings,
        "changes": [],
    }


def delete_uniform(project: str, author: str, deps: ApplyDeps) -> dict[str, Any]:
    get_project(project, deps.config)
    if latest_uniform(project, deps.config) is None:
        raise NotFound(f"project '{project}' has no uniform; apply one with qm apply uniform")
    commit = deps.config.delete_resource(ResourceScope(project=project), UNIFORM_URI, author)
    deps.requests.request_apply(project)
    return {"project": project, "commitID": commit.id}


def subscription_view(subscription: Subscription, rule: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": subscription.id,
        "origin": subscription.origin.value,
        "owner": subscription.owner,
        "event": subscription.event,
        "kind": subscription.executor.kind.value,
        "target": subscription.executor.target,
        "filter": subscription.filter.model_dump(mode="json"),
        "selector": subscription.selector.model_dump(mode="json", by_alias=True)
        if subscription.selector
        else None,
    }
    if rule is not None:
        view["rule"] = rule
    return view
