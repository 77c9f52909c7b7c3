"""Bodies of the project, stage and service routes (Keptn's shipyard-controller shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from chalicelib.domain.api.common import ApiModel

# `base64 -w0` of a one-stage shipyard, for the examples.
SHIPYARD_EXAMPLE = (
    "YXBpVmVyc2lvbjogc3BlYy5rZXB0bi5zaC8wLjIuNApraW5kOiBTaGlweWFyZAptZXRhZGF0YToKICBuYW1lOiBz"
    "aG9wCnNwZWM6CiAgc3RhZ2VzOgogICAgLSBuYW1lOiBkZXYKICAgICAgc2VxdWVuY2VzOgogICAgICAgIC0gbmFt"
    "ZTogZGVsaXZlcnkKICAgICAgICAgIHRhc2tzOgogICAgICAgICAgICAtIG5hbWU6IGRlcGxveW1lbnQK"
)


class ProjectRequest(ApiModel):
    """Create a project, or update its shipyard (same stages) or its task wait."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"name": "shop", "shipyard": SHIPYARD_EXAMPLE}]},
    )

    name: str = Field(description="the project name: lowercase letters, digits and '-'")
    shipyard: str = Field(description="shipyard.yaml, base64-encoded")
    task_started_wait_duration: str | None = Field(
        default=None,
        alias="taskStartedWaitDuration",
        description="how long a task may wait for its first answer, a Go duration such as 10m",
    )
    git_remote_url: str | None = Field(default=None, alias="gitRemoteURL")
    git_user: str | None = Field(default=None, alias="gitUser")


class ProjectUpdate(ApiModel):
    """Update a project: its shipyard (the same stages, in the same order) or its task wait."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"name": "shop", "taskStartedWaitDuration": "15m"}]},
    )

    name: str = Field(description="the project to update")
    shipyard: str | None = Field(default=None, description="shipyard.yaml, base64-encoded")
    task_started_wait_duration: str | None = Field(
        default=None,
        alias="taskStartedWaitDuration",
        description="how long a task may wait for its first answer, a Go duration such as 10m",
    )
    git_remote_url: str | None = Field(default=None, alias="gitRemoteURL")
    git_user: str | None = Field(default=None, alias="gitUser")


class ServiceRequest(ApiModel):
    """Create a service (in every stage of the project)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"serviceName": "cart"}]})

    service_name: str = Field(alias="serviceName")


class EventContextInfo(ApiModel):
    """Keptn's EventContextInfo."""

    event_id: str = Field(alias="eventId")
    keptn_context: str = Field(alias="keptnContext")
    time: str
    type: str | None = None


class DeploymentInfo(ApiModel):
    """A deployment of a service in a stage, whoever made it."""

    version: str = Field(description="the version (Lambda), or the image when none was named")
    image: str | None = None
    strategy: str | None = None
    keptn_context: str | None = Field(
        default=None, alias="keptnContext", description="the run that deployed it"
    )
    event_id: str | None = Field(
        default=None, alias="eventId", description="the .finished that made it run"
    )
    since: str | None = None
    source: str | None = Field(default=None, description="the tool that deployed it")
    target: str | None = Field(default=None, description="where (Quartermaster's targets)")


class Service(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "serviceName": "cart",
                    "creationDate": "2026-05-02T10:00:00.000Z",
                    "lastEventTypes": {},
                    "openRemediations": [],
                }
            ]
        }
    )

    service_name: str = Field(alias="serviceName")
    creation_date: str = Field(alias="creationDate")
    last_event_types: dict[str, EventContextInfo] = Field(
        alias="lastEventTypes", description="event type -> the newest event of that type"
    )
    open_remediations: list[Any] = Field(alias="openRemediations")
    deployed_image: str | None = Field(
        default=None,
        alias="deployedImage",
        description="what runs: the deployment's image (or artifact, or version)",
    )
    deployment: DeploymentInfo | None = Field(
        default=None, description="the deployment that runs in this stage"
    )
    previous_deployment: DeploymentInfo | None = Field(
        default=None, alias="previousDeployment", description="what ran before it"
    )
    staged_deployment: DeploymentInfo | None = Field(
        default=None,
        alias="stagedDeployment",
        description="blue/green: deployed beside it without traffic, awaiting release",
    )


class Stage(ApiModel):
    stage_name: str = Field(alias="stageName")
    parent_stages: list[str] = Field(
        alias="parentStages", description="the stages whose sequences trigger this one's"
    )
    services: list[Service]


class Project(ApiModel):
    """A project with its shipyard (as text) and its stages."""

    project_name: str = Field(alias="projectName")
    shipyard: str
    shipyard_version: str = Field(alias="shipyardVersion")
    creation_date: str = Field(alias="creationDate")
    git_commit_id: str = Field(
        alias="gitCommitID", description="the latest commit of the project's configuration"
    )
    stages: list[Stage]
    git_remote_uri: str | None = Field(default=None, alias="gitRemoteURI")
    git_user: str | None = Field(default=None, alias="gitUser")
    task_started_wait_duration: str | None = Field(default=None, alias="taskStartedWaitDuration")


class ProjectList(ApiModel):
    projects: list[Project]
    page_size: int = Field(alias="pageSize")
    total_count: int = Field(alias="totalCount")


class StageList(ApiModel):
    stages: list[Stage]
    page_size: int = Field(alias="pageSize")
    total_count: int = Field(alias="totalCount")


class ServiceList(ApiModel):
    services: list[Service]
    page_size: int = Field(alias="pageSize")
    total_count: int = Field(alias="totalCount")
