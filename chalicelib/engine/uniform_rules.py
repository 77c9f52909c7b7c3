"""The rules a project's subscriptions need on the deployment's bus, and the plan that gets
the bus there from what a listing found.

Rule names are deterministic: `qm-<stage>-u-<project hash>-<subscription id>`. The project part
is a fixed-length hash, so one project's prefix is never the prefix of another's, and listing a
project's rules is one `ListRules(NamePrefix=...)`. The subscription id is a hash of everything
the subscription is (chalicelib/domain/subscriptions.py): a changed entry is a new rule and the
old one is deleted, so an apply never edits a rule in place, and an apply interrupted anywhere
and run again converges to exactly the uniform's rules.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from chalicelib.domain.bus_rules import ExistingRule, RuleSpec, RuleTarget
from chalicelib.domain.executors import ExecutorKind
from chalicelib.domain.subscriptions import Subscription
from chalicelib.engine.rule_patterns import event_pattern
from chalicelib.errors import InvalidInput

MAX_RULE_NAME = 64  # EventBridge's limit
TARGET_ID = "executor"


@dataclass(frozen=True)
class Deployment:
    """Where the rules go and what they may target, for one deployment."""

    stage: str
    bus: str
    region: str
    account: str
    # The task executor (its function, or on the local runtime its queue): image and process
    # subscriptions' rules deliver there.
    executor_arn: str
    # The webhook executor (the `webhooks` function, or its queue): `hook` subscriptions'
    # rules deliver there.
    webhooks_arn: str = ""
    partition: str = "aws"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"


def deployment_prefix(stage: str) -> str:
    """Every subscription rule of the deployment starts with this (its IAM scope)."""
    return f"qm-{stage}-u-"


def project_prefix(stage: str, project: str) -> str:
    digest = hashlib.sha256(project.encode()).hexdigest()[:10]
    return f"{deployment_prefix(stage)}{digest}-"


def rule_name(stage: str, project: str, subscription: Subscription) -> str:
    name = project_prefix(stage, project) + subscription.id
    if len(name) > MAX_RULE_NAME:
        raise InvalidInput(
            f"rule names of stage '{stage}' would be {len(name)} characters; EventBridge allows "
            f"{MAX_RULE_NAME}: use a stage name of at most "
            f"{MAX_RULE_NAME - (len(name) - len(stage))} characters"
        )
    return name


def _function_arn(function: str, deployment: Deployment) -> str:
    if function.startswith("arn:"):
        return function
    return deployment.arn("lambda", f"function:{function}")


def _target(subscription: Subscription, project: str, deployment: Deployment) -> RuleTarget:
    executor = subscription.executor
    if executor.kind is ExecutorKind.LAMBDA:
        # The function receives the CloudEvent itself, as a Keptn tool expects it.
        return RuleTarget(
            id=TARGET_ID,
            arn=_function_arn(str(executor.function), deployment),
            input_path="$.detail",
        )
    if executor.kind is ExecutorKind.BUS:
        # Forwarded as it is: the other bus gets the same entry (a remote execution plane).
        return RuleTarget(id=TARGET_ID, arn=str(executor.bus), role_arn=executor.role_arn)
    if executor.kind in (ExecutorKind.IMAGE, ExecutorKind.PROCESS) or executor.hook:
        # The subscription travels by id: the executor reads its stored (immutable) record.
        template = json.dumps({"subscription": subscription.id, "project": project})
        return RuleTarget(
            id=TARGET_ID,
            arn=deployment.webhooks_arn if executor.hook else deployment.executor_arn,
            input_template=template[:-1] + ', "event": <event>}',
            input_paths=(("event", "$.detail"),),
        )
    raise InvalidInput(
        f"service '{subscription.owner}': kind {executor.kind} is delivered by no rule; use "
        "kind image, lambda, bus, process, or a hook"
    )


def rule_for(subscription: Subscription, project: str, deployment: Deployment) -> RuleSpec | None:
    """The rule a subscription needs; None for a tool that polls, and for webhook.yaml entries
    (the webhooks handler receives every event already): nothing to deliver."""
    if not subscription.executor.delivered:
        return None
    pattern = json.dumps(event_pattern(subscription), sort_keys=True, separators=(",", ":"))
    description = (
        f"uniform of project {project}: {subscription.owner} ({subscription.executor.kind}) "
        f"on {subscription.event}"
    )
    return RuleSpec(
        name=rule_name(deployment.stage, project, subscription),
        pattern=pattern,
        description=description[:512],
        target=_target(subscription, project, deployment),
    )


@dataclass(frozen=True)
class RulePlan:
    """What an apply does: rules to put (missing or not as they must be) and rules to delete
    (under the project's prefix, wanted by no subscription). Puts come first, so a task that
    is served before the apply stays served throughout it."""

    put: tuple[RuleSpec, ...]
    delete: tuple[str, ...]
    unchanged: tuple[str, ...]


def _same(existing: ExistingRule, wanted: RuleSpec) -> bool:
    return json.loads(existing.pattern) == json.loads(wanted.pattern) and existing.targets == (
        wanted.target,
    )


def plan(existing: list[ExistingRule], wanted: list[RuleSpec]) -> RulePlan:
    found = {rule.name: rule for rule in existing}
    wanted_names = {rule.name for rule in wanted}
    put = tuple(
        rule for rule in wanted if not (rule.name in found and _same(found[rule.name], rule))
    )
    unchanged = tuple(
        rule.name for rule in wanted if rule.name in found and _same(found[rule.name], rule)
    )
    delete = tuple(sorted(name for name in found if name not in wanted_names))
    return RulePlan(put=put, delete=delete, unchanged=unchanged)
