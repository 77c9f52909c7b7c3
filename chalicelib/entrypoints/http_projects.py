"""HTTP routes for projects, stages and services, with Keptn's bodies and alias paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.bootstrap import container, project_deps
from chalicelib.entrypoints.http_support import api_view, identity_of, json_object, one_page
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    import chalicelib.services.projects as projects
    import chalicelib.services.service_state as service_state
    from chalicelib.domain.projects import ProjectRecord, ServiceRecord
    from chalicelib.domain.service_state import ServiceState
    from chalicelib.domain.shipyard import Shipyard
    from chalicelib.services.sequencing import machines
else:
    projects = lazy_module("chalicelib.services.projects")
    service_state = lazy_module("chalicelib.services.service_state")
    machines = lazy_module("chalicelib.services.sequencing.machines")

projects_api = Blueprint(__name__)
ALIAS = "/api/controlPlane"
GIT_FIELDS = ("gitRemoteURL", "gitUser")


def _service_body(service: ServiceRecord, state: ServiceState | None) -> dict[str, Any]:
    """Keptn's service body, with what runs there (chalicelib/domain/service_state.py)."""
    body: dict[str, Any] = {
        "serviceName": service.name,
        "creationDate": service.creation_date,
        "lastEventTypes": {},
        "openRemediations": [],
    }
    if state is not None:
        body["lastEventTypes"] = {
            name: seen.model_dump() for name, seen in sorted(state.last_event_types.items())
        }
        body.update(state.deployment_body())
    return body


def _states(project: str) -> dict[tuple[str, str], ServiceState]:
    states = container().service_states
    return {} if states is None else service_state.service_states(project, states)


def _stages_body(project: ProjectRecord) -> list[dict[str, Any]]:
    services = container().config.list_services(project.name)
    states = _states(project.name)
    parents = projects.parent_stages(project)
    return [
        {
            "stageName": stage,
            "parentStages": parents.get(stage, []),
            "services": [_service_body(s, states.get((stage, s.name))) for s in services],
        }
        for stage in project.stages
    ]


def _project_body(project: ProjectRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "projectName": project.name,
        "shipyard": project.shipyard,
        "shipyardVersion": project.shipyard_version,
        "creationDate": project.creation_date,
        "gitCommitID": project.head,
        "stages": _stages_body(project),
    }
    if project.git_remote_url:
        body["gitRemoteURI"] = project.git_remote_url
    if project.git_user:
        body["gitUser"] = project.git_user
    if project.task_wait_seconds:
        body[projects.WAIT_FIELD] = f"{project.task_wait_seconds}s"
    return body


def _deploy_machines(project: str, shipyard: Shipyard) -> None:
    # Imported here: only project writes need the sequencing machinery.
    from chalicelib.bootstrap import sequencing_deps

    machines.deploy_state_machines(project, shipyard, sequencing_deps())


def _git_settings(body: dict[str, Any]) -> dict[str, str | None]:
    # Credentials (gitToken, keys) are accepted for compatibility and never stored: the
    # configuration lives in Quartermaster's own versioned store, not in a git upstream.
    return {name: body.get(name) for name in GIT_FIELDS}


def _write_project(write: Callable[..., ProjectRecord]) -> Response:
    """Create or update a project from Keptn's body (its state machines first)."""
    request = projects_api.current_request
    body = json_object(request)
    write(
        body.get("name"),
        body.get("shipyard"),
        _git_settings(body),
        identity_of(request),
        project_deps(),
        wait=body.get(projects.WAIT_FIELD),
        deploy=_deploy_machines,
    )
    return Response(body={}, status_code=201)


@projects_api.route("/v1/project", methods=["POST"])
@projects_api.route(f"{ALIAS}/v1/project", methods=["POST"])
@api_view
def create_project() -> Response:
    return _write_project(projects.create_project)


@projects_api.route("/v1/project", methods=["PUT"])
@projects_api.route(f"{ALIAS}/v1/project", methods=["PUT"])
@api_view
def update_project() -> Response:
    return _write_project(projects.update_project)


@projects_api.route("/v1/project", methods=["GET"])
@projects_api.route(f"{ALIAS}/v1/project", methods=["GET"])
@api_view
def list_projects() -> dict[str, Any]:
    one_page(projects_api.current_request)
    items = [_project_body(p) for p in container().config.list_projects()]
    return {"projects": items, "pageSize": len(items), "totalCount": len(items)}


@projects_api.route("/v1/project/{project}", methods=["GET"])
@projects_api.route(ALIAS + "/v1/project/{project}", methods=["GET"])
@api_view
def get_project(project: str) -> dict[str, Any]:
    return _project_body(projects.get_project(project, container().config))


@projects_api.route("/v1/project/{project}", methods=["DELETE"])
@projects_api.route(ALIAS + "/v1/project/{project}", methods=["DELETE"])
@api_view
def delete_project(project: str) -> dict[str, Any]:
    from chalicelib.bootstrap import deletion_deps
    from chalicelib.services.project_deletion import delete_project as delete

    return {"message": delete(project, deletion_deps())}


@projects_api.route("/v1/project/{project}/stage", methods=["GET"])
@projects_api.route(ALIAS + "/v1/project/{project}/stage", methods=["GET"])
@api_view
def list_stages(project: str) -> dict[str, Any]:
    one_page(projects_api.current_request)
    stages = _stages_body(projects.get_project(project, container().config))
    return {"stages": stages, "pageSize": len(stages), "totalCount": len(stages)}


@projects_api.route("/v1/project/{project}/stage/{stage}", methods=["GET"])
@projects_api.route(ALIAS + "/v1/project/{project}/stage/{stage}", methods=["GET"])
@api_view
def get_stage(project: str, stage: str) -> dict[str, Any]:
    record = projects.get_project(project, container().config)
    projects.require_stage(record, stage)
    return next(body for body in _stages_body(record) if body["stageName"] == stage)


@projects_api.route("/v1/project/{project}/stage/{stage}/service", methods=["GET"])
@projects_api.route(ALIAS + "/v1/project/{project}/stage/{stage}/service", methods=["GET"])
@api_view
def list_services(project: str, stage: str) -> dict[str, Any]:
    one_page(projects_api.current_request)
    config = container().config
    projects.require_stage(projects.get_project(project, config), stage)
    states = _states(project)
    services = [
        _service_body(s, states.get((stage, s.name))) for s in config.list_services(project)
    ]
    return {"services": services, "pageSize": len(services), "totalCount": len(services)}


@projects_api.route("/v1/project/{project}/stage/{stage}/service/{service}", methods=["GET"])
@projects_api.route(
    ALIAS + "/v1/project/{project}/stage/{stage}/service/{service}", methods=["GET"]
)
@api_view
def get_service(project: str, stage: str, service: str) -> dict[str, Any]:
    config = container().config
    record = projects.get_project(project, config)
    projects.require_stage(record, stage)
    found = projects.get_service(record, service, config)
    states = container().service_states
    return _service_body(found, states.get(project, stage, service) if states else None)


@projects_api.route("/v1/project/{project}/service", methods=["POST"])
@projects_api.route(ALIAS + "/v1/project/{project}/service", methods=["POST"])
@api_view
def create_service(project: str) -> dict[str, Any]:
    body = json_object(projects_api.current_request)
    projects.create_service(project, body.get("serviceName"), project_deps())
    return {}


@projects_api.route("/v1/project/{project}/service/{service}", methods=["DELETE"])
@projects_api.route(ALIAS + "/v1/project/{project}/service/{service}", methods=["DELETE"])
@api_view
def delete_service(project: str, service: str) -> dict[str, Any]:
    projects.delete_service(project, service, container().config)
    return {"message": f"service '{service}' deleted from project '{project}'"}
