"""HTTP routes for sequences: their state view and the open task events (with Keptn's paths)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import container
from chalicelib.entrypoints.http_support import (
    api_view,
    identity_of,
    int_param,
    json_object,
    one_page,
    query_param,
)
from chalicelib.errors import InvalidInput
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import projects, sequence_reads
    from chalicelib.services.sequencing import control
else:
    projects = lazy_module("chalicelib.services.projects")
    sequence_reads = lazy_module("chalicelib.services.sequence_reads")
    control = lazy_module("chalicelib.services.sequencing.control")

sequences_api = Blueprint(__name__)
ALIAS = "/api/controlPlane"


@sequences_api.route("/v1/sequence/{project}", methods=["GET"])
@sequences_api.route(ALIAS + "/v1/sequence/{project}", methods=["GET"])
@api_view
def get_sequences(project: str) -> dict[str, Any]:
    request = sequences_api.current_request
    deps = container()
    projects.get_project(project, deps.config)
    wanted = sequence_reads.SequenceFilter(
        project=project,
        name=query_param(request, "name"),
        state=query_param(request, "state"),
        keptn_context=query_param(request, "keptnContext"),
        from_time=query_param(request, "fromTime"),
        before_time=query_param(request, "beforeTime"),
        page_size=int_param(request, "pageSize", default=20, low=1, high=50),
    )
    states = [
        view.to_api() for view in sequence_reads.sequence_states(wanted, deps.runs, deps.events)
    ]
    return {"states": states, "pageSize": len(states), "totalCount": len(states)}


@sequences_api.route("/v1/event/triggered/{event_type}", methods=["GET"])
@sequences_api.route(ALIAS + "/v1/event/triggered/{event_type}", methods=["GET"])
@api_view
def get_open_triggered(event_type: str) -> dict[str, Any]:
    request = sequences_api.current_request
    one_page(request)
    deps = container()
    found = sequence_reads.open_triggered_events(
        event_type,
        query_param(request, "project"),
        query_param(request, "stage"),
        query_param(request, "service"),
        query_param(request, "eventID"),
        deps.runs,
        deps.events,
        lambda: [record.name for record in deps.config.list_projects()],
    )
    events = [event.to_wire() for event in found]
    return {"events": events, "pageSize": len(events), "totalCount": len(events)}


@sequences_api.route("/v1/sequence/{project}/{keptn_context}/control", methods=["POST"])
@sequences_api.route(ALIAS + "/v1/sequence/{project}/{keptn_context}/control", methods=["POST"])
@api_view
def control_sequence(project: str, keptn_context: str) -> dict[str, Any]:
    from chalicelib.bootstrap import sequencing_deps

    body = json_object(sequences_api.current_request)
    deps = container()
    projects.get_project(project, deps.config)
    stage = body.get("stage") or None
    if stage is not None and not isinstance(stage, str):
        raise InvalidInput("field 'stage' must be a stage name")
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise InvalidInput("field 'reason' must be text")
    message = control.control_context(
        project,
        keptn_context,
        control.parse_control(body.get("state")),
        stage,
        sequencing_deps(),
        who=identity_of(sequences_api.current_request),
        reason=reason,
    )
    return {"message": message}
