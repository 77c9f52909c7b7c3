"""Quality-gate handlers and routes: the lighthouse and the built-in SLI providers on the bus,
and evaluations and monitoring settings over HTTP."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import container, intake_deps, lighthouse_deps, provider_deps
from chalicelib.entrypoints.http_support import api_view, identity_of, int_param, json_object
from chalicelib.entrypoints.sequencing import bus_event
from chalicelib.observability import observed

lighthouse_api = Blueprint(__name__)
ALIAS = "/api/controlPlane"  # Keptn's public prefix of the shipyard-controller


@lighthouse_api.lambda_function(name="lighthouse")
@observed("lighthouse")
def lighthouse(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.lighthouse.bus import on_bus_event

    received = bus_event(event)
    if received is not None:
        on_bus_event(received, lighthouse_deps())


@lighthouse_api.lambda_function(name="sli-provider")
@observed("sli-provider")
def sli_provider(event: dict[str, Any], context: Any) -> None:
    from chalicelib.services.sli_provider import on_get_sli_triggered

    received = bus_event(event)
    if received is not None:
        on_get_sli_triggered(received, provider_deps())


EVALUATION_PATH = "/v1/project/{project}/stage/{stage}/service/{service}/evaluation"


@lighthouse_api.route(EVALUATION_PATH, methods=["POST"])
@lighthouse_api.route(ALIAS + EVALUATION_PATH, methods=["POST"])
@api_view
def trigger_evaluation(project: str, stage: str, service: str) -> dict[str, str]:
    from chalicelib.domain.projects import ResourceScope
    from chalicelib.services.lighthouse.requests import trigger_evaluation as trigger

    request = lighthouse_api.current_request
    deps = container()
    event = trigger(
        ResourceScope(project=project, stage=stage, service=service),
        json_object(request),
        deps.clock(),
        deps.config,
        intake_deps(deps),
        identity_of(request),
    )
    return {"keptnContext": event.shkeptncontext}


@lighthouse_api.route(EVALUATION_PATH, methods=["GET"])
@api_view
def list_evaluations(project: str, stage: str, service: str) -> dict[str, Any]:
    from chalicelib.domain.projects import ResourceScope
    from chalicelib.services.lighthouse.requests import evaluation_history

    request = lighthouse_api.current_request
    deps = container()
    return {
        "evaluations": evaluation_history(
            ResourceScope(project=project, stage=stage, service=service),
            int_param(request, "limit", default=10, low=1, high=100),
            deps.config,
            deps.evaluations,
        )
    }


@lighthouse_api.route("/v1/project/{project}/monitoring", methods=["PUT"])
@api_view
def configure_monitoring(project: str) -> dict[str, Any]:
    from chalicelib.services.lighthouse.requests import configure_monitoring as configure

    deps = container()
    settings = configure(
        project,
        json_object(lighthouse_api.current_request),
        deps.config,
        deps.evaluations,
        deps.secrets,
    )
    return settings.model_dump(exclude_none=True)


@lighthouse_api.route("/v1/project/{project}/monitoring", methods=["GET"])
@api_view
def get_monitoring(project: str) -> dict[str, Any]:
    from chalicelib.services.lighthouse.requests import monitoring_of

    deps = container()
    return monitoring_of(project, deps.config, deps.evaluations).model_dump(exclude_none=True)
