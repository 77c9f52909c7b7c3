"""The operations of the project, stage and service routes (http_projects)."""

from __future__ import annotations

from chalicelib.domain.api.common import EmptyBody, MessageBody
from chalicelib.domain.api.projects import (
    Project,
    ProjectList,
    ProjectRequest,
    ProjectUpdate,
    Service,
    ServiceList,
    ServiceRequest,
    Stage,
    StageList,
)
from chalicelib.entrypoints.openapi.spec import ONE_PAGE, Operation

PROJECT = "/v1/project/{project}"
TAG = "projects"

OPERATIONS = [
    Operation("GET", "/v1/project", "List the projects", TAG, ProjectList, query=(ONE_PAGE,)),
    Operation(
        "POST",
        "/v1/project",
        "Create a project from its shipyard",
        TAG,
        EmptyBody,
        status=201,
        body=ProjectRequest,
        errors=(409,),
        description="Creates the project, its stages and its sequences' state machines.",
    ),
    Operation(
        "PUT",
        "/v1/project",
        "Update a project's shipyard (same stages) or its task wait",
        TAG,
        EmptyBody,
        status=201,
        body=ProjectUpdate,
        errors=(404, 409),
        description="409 when the new shipyard adds, removes or reorders stages.",
    ),
    Operation("GET", PROJECT, "One project", TAG, Project),
    Operation(
        "DELETE",
        PROJECT,
        "Delete a project (its events stay in the audit trail)",
        TAG,
        MessageBody,
        description=(
            "Its active runs end aborted with the reason; what runs where, its last "
            "deployments, evaluations and SLI provider are deleted (docs/project-deletion.md). "
            "Safe to repeat: a deletion that failed half-way is finished by the next one."
        ),
    ),
    Operation("GET", f"{PROJECT}/stage", "The project's stages", TAG, StageList, query=(ONE_PAGE,)),
    Operation("GET", f"{PROJECT}/stage/{{stage}}", "One stage", TAG, Stage),
    Operation(
        "GET",
        f"{PROJECT}/stage/{{stage}}/service",
        "The services of a stage",
        TAG,
        ServiceList,
        query=(ONE_PAGE,),
    ),
    Operation("GET", f"{PROJECT}/stage/{{stage}}/service/{{service}}", "One service", TAG, Service),
    Operation(
        "POST",
        f"{PROJECT}/service",
        "Create a service (in every stage)",
        TAG,
        EmptyBody,
        body=ServiceRequest,
        errors=(409,),
    ),
    Operation("DELETE", f"{PROJECT}/service/{{service}}", "Delete a service", TAG, MessageBody),
]
