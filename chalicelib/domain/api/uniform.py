"""Bodies of the uniform routes (a project's uniform: apply, show, edit, remove) and of Keptn's
integration API (uniform registration and the error log), as they are on the wire."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, RootModel

from chalicelib.domain.api.common import ApiModel

COMMIT = "the commit of uniform.yaml (12 hex digits)"


class UniformRequest(ApiModel):
    """A uniform to apply."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"uniform": "dmVyc2lvbjogIjAuMi4wIgo="}]}
    )

    uniform: str = Field(description="uniform.yaml, base64-encoded")


class UniformEdit(ApiModel):
    """Edits of the project's uniform in the `task+=service` grammar (docs/uniform.md)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"stage": "hardening", "edits": ["tests+=selenium"]}]}
    )

    stage: str | None = Field(
        default=None, description="the stage the edits are for; all if absent"
    )
    edits: list[str] = Field(description="e.g. tests+=selenium, deployment-=helm, release=argo")


class SubscriptionFilterBody(ApiModel):
    projects: list[str]
    stages: list[str]
    services: list[str]


class SubscriptionView(ApiModel):
    """One subscription: who receives which events, and what carries them out."""

    id: str
    origin: str = Field(description="uniform (a service of it) or integration (registered)")
    owner: str = Field(description="the uniform's service, or the integration's name")
    event: str
    kind: str = Field(description="image, lambda, webhook, bus, http-poll or process")
    target: str = Field(description="what it runs or calls")
    filter: SubscriptionFilterBody
    selector: dict[str, Any] | None = None
    rule: str | None = Field(
        default=None, description="its rule on the bus (empty for a tool that polls)"
    )


class UniformApplied(ApiModel):
    """The uniform, committed; the applier brings the bus's rules in line with it."""

    project: str
    commit_id: str = Field(alias="commitID", description=COMMIT)
    name: str
    subscriptions: list[SubscriptionView]
    uncovered: list[str] = Field(description="tasks of the shipyard nothing would carry out")
    warnings: list[str] = Field(description="services accepted that cannot run here")
    changes: list[str] = Field(description="what an edit changed (empty for an apply)")


class AppliedView(ApiModel):
    commit_id: str = Field(alias="commitID", description=COMMIT + "; empty when removed")
    time: str
    state: str = Field(description="applied, applied with errors, or removed")
    errors: list[str]


class UniformState(ApiModel):
    """What is subscribed to what: the stored uniform, its apply, registered integrations."""

    project: str
    commit_id: str = Field(alias="commitID", description=COMMIT + "; empty without a uniform")
    name: str
    applied: AppliedView | None
    subscriptions: list[SubscriptionView]
    uncovered: list[str]


class UniformDeleted(ApiModel):
    """The uniform is removed (a commit deleting uniform.yaml); its rules go next."""

    project: str
    commit_id: str = Field(alias="commitID", description=COMMIT)


# Keptn's integration API (shipyard-controller's models, field names as Keptn spells them).


class KubernetesMetadataBody(ApiModel):
    namespace: str = ""
    podname: str = ""
    deploymentname: str = ""


class IntegrationMetadataBody(ApiModel):
    hostname: str = ""
    integrationversion: str = ""
    distributorversion: str = ""
    location: str = ""
    kubernetesmetadata: KubernetesMetadataBody = Field(default_factory=KubernetesMetadataBody)
    lastseen: str = ""


class EventFilterBody(ApiModel):
    projects: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)


class EventSubscriptionBody(ApiModel):
    """A subscription: an event (NATS wildcards `*` and `>` allowed) and exact-name filters."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"event": "sh.keptn.event.test.triggered", "filter": {"projects": ["shop"]}}
            ]
        }
    )

    id: str = ""
    event: str
    filter: EventFilterBody = Field(default_factory=EventFilterBody)


class LegacyFilterBody(ApiModel):
    project: str
    stage: str
    service: str


class LegacySubscriptionBody(ApiModel):
    topics: list[str]
    status: str
    filter: LegacyFilterBody


class IntegrationBody(ApiModel):
    """An integration as registered and listed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "job-executor-service",
                    "metadata": {
                        "hostname": "node-7",
                        "integrationversion": "0.3.0",
                        "kubernetesmetadata": {"namespace": "keptn-jobs"},
                    },
                    "subscriptions": [{"event": "sh.keptn.event.test.triggered"}],
                }
            ]
        }
    )

    id: str = ""
    name: str
    metadata: IntegrationMetadataBody
    subscriptions: list[EventSubscriptionBody] = Field(default_factory=list)
    subscription: LegacySubscriptionBody | None = Field(
        default=None, description="deprecated: the first subscription, for old clients"
    )


class IntegrationList(RootModel[list[IntegrationBody]]):
    """Registered integrations."""


class SubscriptionList(RootModel[list[EventSubscriptionBody]]):
    """An integration's subscriptions."""


class IdBody(ApiModel):
    """The id of what was registered or created."""

    id: str


class LogEntryBody(ApiModel):
    integrationid: str = ""
    message: str = ""
    shkeptncontext: str = ""
    task: str = ""
    triggeredid: str = ""
    time: str = ""
    gitcommitid: str = ""


class CreateLogsBody(ApiModel):
    """Error log entries of integrations."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"logs": [{"integrationid": "a1b2", "message": "job failed"}]}]
        }
    )

    logs: list[LogEntryBody]


class LogsPage(ApiModel):
    """Log entries, newest first; `nextPageKey` 0 on the last page."""

    logs: list[LogEntryBody]
    next_page_key: int = Field(alias="nextPageKey")
    page_size: int = Field(alias="pageSize")
    total_count: int = Field(alias="totalCount")
