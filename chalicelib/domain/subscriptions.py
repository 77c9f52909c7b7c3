"""Subscriptions: one model for both ways tools come in.

A service of an applied uniform and a subscription of a registered integration (Keptn's
`/uniform/registration` API) are the same thing here: an event type, filters on project, stage
and service, an optional label selector, and the executor that carries the event out. Each
becomes an EventBridge rule on the deployment's bus, or (a tool that polls the API) a filter on
what it polls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.executors import Executor, ExecutorKind
from chalicelib.domain.uniform import EventSelector, Uniform, event_labels, matches


class Origin(StrEnum):
    UNIFORM = "uniform"
    INTEGRATION = "integration"


class SubscriptionFilter(BaseModel):
    """Keptn's filter: exact names, an empty list allows every value."""

    model_config = ConfigDict(frozen=True)

    projects: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    def allows(self, project: str | None, stage: str | None, service: str | None) -> bool:
        return all(
            not allowed or value in allowed
            for allowed, value in (
                (self.projects, project),
                (self.stages, stage),
                (self.services, service),
            )
        )


class Subscription(BaseModel):
    """Who receives which events, and what carries them out."""

    model_config = ConfigDict(frozen=True)

    id: str
    origin: Origin
    owner: str  # the uniform's service name, or the integration's name
    event: str  # an event type; integrations may use NATS wildcards (`*` one segment, `>` rest)
    filter: SubscriptionFilter = SubscriptionFilter()
    selector: EventSelector | None = None
    executor: Executor
    owner_id: str = ""  # the integration id (integrations only)

    def accepts(self, event_type: str, data: Mapping[str, Any]) -> bool:
        """Whether an event of this type with this data is delivered to the subscriber."""
        return (
            subject_matches(self.event, event_type)
            and self.filter.allows(
                _text(data.get("project")), _text(data.get("stage")), _text(data.get("service"))
            )
            and matches(self.selector, event_labels(data))
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def subject_matches(subscribed: str, event_type: str) -> bool:
    """NATS subject matching, as Keptn's distributor subscribes: `*` is one segment, a final
    `>` one or more; anything else must be equal."""
    wanted, given = subscribed.split("."), event_type.split(".")
    for position, token in enumerate(wanted):
        if token == ">" and position == len(wanted) - 1:
            return len(given) > position
        if position >= len(given) or (token != "*" and token != given[position]):
            return False
    return len(wanted) == len(given)


def subscription_id(project: str, owner: str, event: str, selector: Any, executor: Any) -> str:
    """A stable id from everything that makes the subscription what it is: the same entry of
    the same uniform always gets the same id, a changed one a new id (and a new rule)."""
    canonical = json.dumps(
        [project, owner, event, selector, executor], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def uniform_subscriptions(project: str, uniform: Uniform) -> list[Subscription]:
    """The subscriptions a project's uniform makes, in file order."""
    found: list[Subscription] = []
    for service in uniform.spec.services:
        executor = service.executor()
        for entry in service.events:
            selector = entry.selector.model_dump(by_alias=True) if entry.selector else None
            found.append(
                Subscription(
                    id=subscription_id(
                        project, service.name, entry.name, selector, executor.model_dump()
                    ),
                    origin=Origin.UNIFORM,
                    owner=service.name,
                    event=entry.name,
                    filter=SubscriptionFilter(projects=(project,)),
                    selector=entry.selector,
                    executor=executor,
                )
            )
    return found


def polled(
    subscription_id_: str,
    integration: str,
    integration_id: str,
    event: str,
    filter_: SubscriptionFilter,
) -> Subscription:
    """A registered integration's subscription: it polls the API for its events."""
    return Subscription(
        id=subscription_id_,
        origin=Origin.INTEGRATION,
        owner=integration,
        owner_id=integration_id,
        event=event,
        filter=filter_,
        executor=Executor(kind=ExecutorKind.HTTP_POLL),
    )
