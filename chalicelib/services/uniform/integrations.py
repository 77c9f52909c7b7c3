"""Keptn's integration registration (`/uniform/registration`), as its shipyard-controller
answers it: register (201 new, 200 when an integration of that name and namespace exists: its
versions and last-seen time are updated, its subscriptions kept), list with filters, ping
(last seen; answers the integration, so a distributor learns its current subscriptions),
unregister, and subscriptions create, read, update and delete.

Registered subscriptions are the same Subscription model as a uniform's services: an
integration polls the API for its events, so its subscriptions are the filters of what it
polls, and they count as executors of the tasks they match. Concurrent writes to one
integration are serialised by its revision (read, change, write if unchanged, else again).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.events import format_time
from chalicelib.domain.integrations import EventSubscription, Integration, integration_id
from chalicelib.errors import DependencyFailure, InvalidInput, NotFound
from chalicelib.ports import IntegrationStore

ATTEMPTS = 5


@dataclass(frozen=True)
class IntegrationDeps:
    integrations: IntegrationStore
    clock: Callable[[], datetime]

    def now(self) -> str:
        return format_time(self.clock())


def _parsed(model: type[Any], body: dict[str, Any], what: str) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or what
        raise InvalidInput(f"{what}: field '{where}': {first['msg'].lower()}") from error


def check_subscription(subscription: EventSubscription) -> None:
    """Keptn's rules: an event is required; a service filter needs a stage filter."""
    if not subscription.event:
        raise InvalidInput("the event must be specified when setting up a subscription")
    if subscription.filter.services and not subscription.filter.stages:
        raise InvalidInput(
            "at least one stage must be specified when setting up a subscription filter for a "
            "service"
        )


def register(body: dict[str, Any], deps: IntegrationDeps) -> tuple[dict[str, str], int]:
    """The integration's id, and 201 when it is new or 200 when it was registered before."""
    given: Integration = _parsed(Integration, body, "integration")
    for subscription in given.subscriptions:
        check_subscription(subscription)
    namespace = given.metadata.kubernetesmetadata.namespace
    for _ in range(ATTEMPTS):
        existing = next(
            (
                found
                for found in deps.integrations.list_integrations()
                if found.name == given.name
                and found.metadata.kubernetesmetadata.namespace == namespace
            ),
            None,
        )
        if existing is not None:
            metadata = given.metadata.model_copy(update={"lastseen": deps.now()})
            if deps.integrations.save_integration(
                existing.model_copy(update={"metadata": metadata})
            ):
                return {"id": existing.id}, 200
            continue
        missing = [
            field
            for field, value in (
                ("name", given.name),
                ("metadata.kubernetesmetadata.namespace", namespace),
                ("metadata.hostname", given.metadata.hostname),
            )
            if not value
        ]
        if missing:
            raise InvalidInput(
                "incomplete integration ID: "
                f"{', '.join(missing)} must be set (the id is the SHA-1 of name-namespace-"
                "nodename, the node being metadata.hostname)"
            )
        new = given.model_copy(
            update={
                "id": integration_id(given.name, namespace, given.metadata.hostname),
                "metadata": given.metadata.model_copy(update={"lastseen": deps.now()}),
                "subscriptions": [
                    sub.model_copy(update={"id": str(uuid.uuid4())}) for sub in given.subscriptions
                ],
                "revision": 0,
            }
        )
        if deps.integrations.save_integration(new):
            return {"id": new.id}, 201
    raise DependencyFailure("the integration changed while it was registered; try again")


def _change(
    integration_id_: str, change: Callable[[Integration], Integration], deps: IntegrationDeps
) -> Integration:
    for _ in range(ATTEMPTS):
        current = get(integration_id_, deps)
        changed = change(current)
        if deps.integrations.save_integration(changed):
            return changed
    raise DependencyFailure(
        f"integration {integration_id_} changed {ATTEMPTS} times while it was updated; try again"
    )


def get(integration_id_: str, deps: IntegrationDeps) -> Integration:
    found = deps.integrations.get_integration(integration_id_)
    if found is None:
        raise NotFound(f"integration {integration_id_} is not registered")
    return found


def listed(
    deps: IntegrationDeps,
    integration_id_: str | None = None,
    name: str | None = None,
    project: str | None = None,
    stage: str | None = None,
    service: str | None = None,
) -> list[dict[str, object]]:
    """Integrations matching every filter given; a scope filter keeps an integration that has a
    subscription for that project, stage or service (an empty filter list allows all)."""
    found = []
    for integration in deps.integrations.list_integrations():
        if integration_id_ and integration.id != integration_id_:
            continue
        if name and integration.name != name:
            continue
        if (project or stage or service) and not any(
            _allows(sub, project, stage, service) for sub in integration.subscriptions
        ):
            continue
        found.append(integration.wire())
    return found


def _allows(
    subscription: EventSubscription, project: str | None, stage: str | None, service: str | None
) -> bool:
    return all(
        wanted is None or not allowed or wanted in allowed
        for wanted, allowed in (
            (project, subscription.filter.projects),
            (stage, subscription.filter.stages),
            (service, subscription.filter.services),
        )
    )


def ping(integration_id_: str, deps: IntegrationDeps) -> dict[str, object]:
    def seen(current: Integration) -> Integration:
        metadata = current.metadata.model_copy(update={"lastseen": deps.now()})
        return current.model_copy(update={"metadata": metadata})

    return _change(integration_id_, seen, deps).wire()


def unregister(integration_id_: str, deps: IntegrationDeps) -> None:
    deps.integrations.delete_integration(integration_id_)


def subscriptions(integration_id_: str, deps: IntegrationDeps) -> list[dict[str, Any]]:
    return [sub.model_dump(mode="json") for sub in get(integration_id_, deps).subscriptions]


def subscription(
    integration_id_: str, subscription_id: str, deps: IntegrationDeps
) -> dict[str, Any]:
    for sub in get(integration_id_, deps).subscriptions:
        if sub.id == subscription_id:
            return sub.model_dump(mode="json")
    raise NotFound(f"integration {integration_id_} has no subscription {subscription_id}")


def put_subscription(
    integration_id_: str,
    body: dict[str, Any],
    deps: IntegrationDeps,
    subscription_id: str | None = None,
) -> dict[str, str]:
    """Create (a new id) or, with `subscription_id`, update or create that subscription."""
    given: EventSubscription = _parsed(EventSubscription, body, "subscription")
    check_subscription(given)
    new = given.model_copy(update={"id": subscription_id or str(uuid.uuid4())})

    def add(current: Integration) -> Integration:
        kept = [sub for sub in current.subscriptions if sub.id != new.id]
        return current.model_copy(update={"subscriptions": [*kept, new]})

    _change(integration_id_, add, deps)
    return {"id": new.id}


def delete_subscription(integration_id_: str, subscription_id: str, deps: IntegrationDeps) -> None:
    def remove(current: Integration) -> Integration:
        kept = [sub for sub in current.subscriptions if sub.id != subscription_id]
        return current.model_copy(update={"subscriptions": kept})

    _change(integration_id_, remove, deps)
