"""Keptn's integrations (its `/uniform/registration` API) and their error log, in Keptn's bodies.

An integration built on Keptn's distributor or go-sdk registers itself with a name and metadata
(host, versions, Kubernetes namespace), gets an id (the SHA-1 of `name-namespace-nodename`, as
Keptn computes it), keeps itself alive with a ping that answers its current subscriptions, and
forwards its errors to the log. Field names are Keptn's, on the wire and here.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain.subscriptions import Subscription, SubscriptionFilter, polled


class KeptnModel(BaseModel):
    """Keptn's JSON: unknown fields ignored (Go's decoder does), nulls read as absent."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class KubernetesMetadata(KeptnModel):
    namespace: str = ""
    podname: str = ""
    deploymentname: str = ""


class IntegrationMetadata(KeptnModel):
    hostname: str = ""
    integrationversion: str = ""
    distributorversion: str = ""
    location: str = ""
    kubernetesmetadata: KubernetesMetadata = Field(default_factory=KubernetesMetadata)
    lastseen: str = ""


class EventFilter(KeptnModel):
    """`models.EventSubscriptionFilter`: exact names, empty = all."""

    projects: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)

    @field_validator("projects", "stages", "services", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        return [] if value is None else value


class EventSubscription(KeptnModel):
    """`models.EventSubscription`: an event (a NATS subject: `*` and `>` wildcards)."""

    id: str = ""
    event: str = ""
    filter: EventFilter = Field(default_factory=EventFilter)

    @field_validator("filter", mode="before")
    @classmethod
    def _null_filter(cls, value: object) -> object:
        return {} if value is None else value


class Integration(KeptnModel):
    """`models.Integration`, as registered and as listed."""

    id: str = ""
    name: str = ""
    metadata: IntegrationMetadata = Field(default_factory=IntegrationMetadata)
    subscriptions: list[EventSubscription] = Field(default_factory=list)
    # How often it was written: a change is stored only over the revision it was made from.
    revision: int = Field(default=0, exclude=True)

    @field_validator("metadata", mode="before")
    @classmethod
    def _null_metadata(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("subscriptions", mode="before")
    @classmethod
    def _null_subscriptions(cls, value: object) -> object:
        return [] if value is None else value

    def wire(self) -> dict[str, object]:
        """The listed body, with Keptn's deprecated `subscription` field filled as Keptn does
        for old clients (the first subscription's topic and single-value filter)."""
        body = self.model_dump(mode="json")
        first = self.subscriptions[0] if self.subscriptions else None
        body["subscription"] = {
            "topics": [first.event] if first else [],
            "status": "",
            "filter": {
                "project": _single(first.filter.projects) if first else "",
                "stage": _single(first.filter.stages) if first else "",
                "service": _single(first.filter.services) if first else "",
            },
        }
        return body

    def polled_subscriptions(self) -> list[Subscription]:
        """Its subscriptions in the one model every executor shares."""
        return [
            polled(
                sub.id,
                self.name,
                self.id,
                sub.event,
                SubscriptionFilter(
                    projects=tuple(sub.filter.projects),
                    stages=tuple(sub.filter.stages),
                    services=tuple(sub.filter.services),
                ),
            )
            for sub in self.subscriptions
        ]


def _single(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ""


def integration_id(name: str, namespace: str, nodename: str) -> str:
    """Keptn's integration id: the hex SHA-1 of `name-namespace-nodename`."""
    raw = f"{name}-{namespace}-{nodename}"
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


class LogEntry(KeptnModel):
    """`models.LogEntry`: an error an integration reported."""

    integrationid: str = ""
    message: str = ""
    shkeptncontext: str = ""
    task: str = ""
    triggeredid: str = ""
    time: str = ""
    gitcommitid: str = ""
