"""Projects, stages and services: create, read and delete them with Keptn's rules (ref. 1.2)."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.durations import parse_go_duration
from chalicelib.domain.events import format_time
from chalicelib.domain.names import PROJECT_NAME_MAX, SERVICE_NAME_MAX, entity_name_problem
from chalicelib.domain.projects import ProjectRecord, ServiceRecord
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.urls import userinfo_problem
from chalicelib.domain.yamldoc import parse_document
from chalicelib.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from chalicelib.ports import ConfigStore

MAX_SHIPYARD_BYTES = 256 * 1024


@dataclass(frozen=True)
class ProjectDeps:
    config: ConfigStore
    clock: Callable[[], datetime]


def decode_shipyard(encoded: object) -> str:
    """The shipyard text from the API's base64 `shipyard` field."""
    if not isinstance(encoded, str) or not encoded:
        raise InvalidInput("field 'shipyard' is required: the base64-encoded shipyard.yaml")
    try:
        raw = base64.b64decode(encoded, validate=True)
        text = raw.decode("utf-8")
    except ValueError as error:  # not base64, non-ASCII text, or bytes that are not UTF-8
        raise InvalidInput(
            "field 'shipyard' must be base64-encoded UTF-8 text (e.g. base64 -w0 shipyard.yaml)"
        ) from error
    if len(raw) > MAX_SHIPYARD_BYTES:
        # The project item and its shipyard.yaml each hold the text (DynamoDB: 400 KB an item).
        raise PayloadTooLarge(
            f"field 'shipyard' is {len(raw)} bytes; a shipyard is limited to "
            f"{MAX_SHIPYARD_BYTES} bytes"
        )
    return text


def parse_shipyard(text: str) -> Shipyard:
    """Validate a shipyard; InvalidInput lists every problem with its line."""
    return parse_document(text, Shipyard, "shipyard.yaml")


def check_name(kind: str, field: str, value: object, max_length: int) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"field '{field}' is required: the {kind} name")
    problem = entity_name_problem(value, max_length)
    if problem:
        raise InvalidInput(f"{kind} name '{value}' {problem}")
    return value


def check_git_settings(git: dict[str, str | None]) -> None:
    """The recorded git settings are served back by GET /v1/project: no credentials in them."""
    url = git.get("gitRemoteURL")
    problem = (
        userinfo_problem(url, "gitRemoteURL", "give the repository URL without them")
        if isinstance(url, str)
        else None
    )
    if problem:
        raise InvalidInput(problem)


WAIT_FIELD = "taskStartedWaitDuration"


def task_wait_seconds(value: object) -> int | None:
    """The project's `taskStartedWaitDuration` (a Go duration such as 15m) in whole seconds."""
    if value is None:
        return None
    try:
        seconds = parse_go_duration(value) if isinstance(value, str) else -1.0
    except ValueError as error:
        raise InvalidInput(f"{WAIT_FIELD} '{value}': {error}; write e.g. 10m or 1h") from error
    if seconds < 1:
        raise InvalidInput(f"{WAIT_FIELD} '{value}' must be a duration of at least 1s, e.g. 10m")
    return math.ceil(seconds)


# Deploys a shipyard's state machines (project name, shipyard) before the commit is written.
Deploy = Callable[[str, Shipyard], object]


def create_project(
    name: object,
    shipyard_b64: object,
    git: dict[str, str | None],
    author: str,
    deps: ProjectDeps,
    wait: object = None,
    deploy: Deploy | None = None,
) -> ProjectRecord:
    project_name = check_name("project", "name", name, PROJECT_NAME_MAX)
    check_git_settings(git)
    text = decode_shipyard(shipyard_b64)
    shipyard = parse_shipyard(text)
    record = ProjectRecord(
        name=project_name,
        shipyard=text,
        shipyard_version=shipyard.api_version,
        stages=tuple(shipyard.stage_names()),
        creation_date=format_time(deps.clock()),
        git_remote_url=git.get("gitRemoteURL"),
        git_user=git.get("gitUser"),
        task_wait_seconds=task_wait_seconds(wait),
    )
    if deps.config.get_project(project_name) is None and deploy is not None:
        deploy(project_name, shipyard)  # the machines first: a failure commits nothing
    return deps.config.create_project(record, author)


def update_project(
    name: object,
    shipyard_b64: object,
    git: dict[str, str | None],
    author: str,
    deps: ProjectDeps,
    wait: object = None,
    deploy: Deploy | None = None,
) -> ProjectRecord:
    """Replace the shipyard (same stages only) and/or the recorded git settings; the new
    shipyard's state machines are deployed before it is committed."""
    project = get_project(check_name("project", "name", name, PROJECT_NAME_MAX), deps.config)
    check_git_settings(git)
    updates: dict[str, object] = {
        key: value
        for key, value in (
            ("git_remote_url", git.get("gitRemoteURL")),
            ("git_user", git.get("gitUser")),
            ("task_wait_seconds", task_wait_seconds(wait)),
        )
        if value is not None
    }
    if shipyard_b64 is not None:
        text = decode_shipyard(shipyard_b64)
        shipyard = parse_shipyard(text)
        stages = tuple(shipyard.stage_names())
        if stages != project.stages:
            raise Conflict(
                f"stages cannot be added, removed or reordered after project creation "
                f"(project '{project.name}' has {', '.join(project.stages)}; the new shipyard "
                f"has {', '.join(stages)}). Keep the stages, or create a new project"
            )
        updates.update(shipyard=text, shipyard_version=shipyard.api_version)
        if deploy is not None:
            deploy(project.name, shipyard)
    if not updates:
        return project
    return deps.config.update_shipyard(project.model_copy(update=updates), author)


def get_project(name: str, config: ConfigStore) -> ProjectRecord:
    project = config.get_project(name)
    if project is None:
        raise NotFound(f"project '{name}' does not exist")
    return project


def require_stage(project: ProjectRecord, stage: str) -> None:
    if stage not in project.stages:
        raise NotFound(
            f"stage '{stage}' is not in the shipyard of project '{project.name}'; "
            f"stages are: {', '.join(project.stages)}"
        )


def parent_stages(project: ProjectRecord) -> dict[str, list[str]]:
    """For each stage, the stages whose finished sequences trigger it (Keptn's `parentStages`)."""
    shipyard = parse_shipyard(project.shipyard)
    parents: dict[str, list[str]] = {}
    for stage in shipyard.spec.stages:
        found: list[str] = []
        for sequence in stage.sequences:
            for trigger in sequence.triggered_on:
                parent = trigger.event.split(".")[0]
                if parent != stage.name and parent not in found:
                    found.append(parent)
        parents[stage.name] = found
    return parents


def create_service(project_name: str, name: object, deps: ProjectDeps) -> ServiceRecord:
    get_project(project_name, deps.config)
    service_name = check_name("service", "serviceName", name, SERVICE_NAME_MAX)
    record = ServiceRecord(
        project=project_name, name=service_name, creation_date=format_time(deps.clock())
    )
    deps.config.create_service(record)
    return record


def get_service(project: ProjectRecord, name: str, config: ConfigStore) -> ServiceRecord:
    for service in config.list_services(project.name):
        if service.name == name:
            return service
    raise NotFound(f"service '{name}' does not exist in project '{project.name}'")


def delete_service(project_name: str, name: str, config: ConfigStore) -> None:
    project = get_project(project_name, config)
    get_service(project, name, config)
    config.delete_service(project_name, name)
