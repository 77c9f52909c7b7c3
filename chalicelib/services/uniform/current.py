"""A project's uniform as stored (the latest commit of its `uniform.yaml`), as applied (the
commit the bus's rules were made from), and the subscriptions of both ways in."""

from __future__ import annotations

from chalicelib.domain.executors import ExecutorKind
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.resource_uris import UNIFORM_URI
from chalicelib.domain.subscriptions import Subscription, uniform_subscriptions
from chalicelib.domain.uniform import Uniform
from chalicelib.domain.uniform_state import AppliedUniform
from chalicelib.domain.yamldoc import parse_document
from chalicelib.ports import ConfigStore, IntegrationStore


def parse_uniform(text: str) -> Uniform:
    return parse_document(text, Uniform, UNIFORM_URI)


def latest_uniform(project: str, config: ConfigStore) -> tuple[Uniform, str] | None:
    """The project's uniform and the commit that wrote it; None when it has none."""
    resource = config.get_resource(ResourceScope(project=project), UNIFORM_URI)
    if resource is None:
        return None
    return parse_uniform(resource.content.decode("utf-8")), resource.version


def uniform_at(project: str, commit: str, config: ConfigStore) -> Uniform | None:
    """The uniform as of a commit. (Not cached: a project deleted and created again counts its
    commits from the start, so a commit id alone does not name one file for good.)"""
    resource = config.get_resource(ResourceScope(project=project), UNIFORM_URI, commit)
    if resource is None:
        return None
    return parse_uniform(resource.content.decode("utf-8"))


def applied_subscriptions(
    applied: AppliedUniform | None, config: ConfigStore
) -> list[Subscription]:
    """The subscriptions that are live: those of the applied commit that got their rule, and
    its tools that poll (they need none)."""
    if applied is None or not applied.commit:
        return []
    uniform = uniform_at(applied.project, applied.commit, config)
    if uniform is None:
        return []
    live = {rule.subscription for rule in applied.rules}
    return [
        subscription
        for subscription in uniform_subscriptions(applied.project, uniform)
        if subscription.id in live or subscription.executor.kind is ExecutorKind.HTTP_POLL
    ]


def integration_subscriptions(
    integrations: IntegrationStore, project: str | None = None
) -> list[Subscription]:
    """The registered integrations' subscriptions; with `project`, only those whose filter lets
    that project's events through (an empty project filter lets every project's through)."""
    return [
        subscription
        for integration in integrations.list_integrations()
        for subscription in integration.polled_subscriptions()
        if project is None
        or not subscription.filter.projects
        or project in subscription.filter.projects
    ]
