"""HTTP routes of Keptn's integration API: uniform registration (register, list, ping,
unregister; subscriptions) and the integration error log, with Keptn's bodies, at the
canonical `/v1/...` paths and Keptn's `/api/controlPlane/v1/...` ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.bootstrap import integration_deps, log_deps
from chalicelib.entrypoints.http_support import api_view, int_param, json_object, query_param
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services.uniform import integrations, logs
else:
    integrations = lazy_module("chalicelib.services.uniform.integrations")
    logs = lazy_module("chalicelib.services.uniform.logs")

integrations_api = Blueprint(__name__)
ALIAS = "/api/controlPlane"
REGISTRATION = "/v1/uniform/registration"
ONE = REGISTRATION + "/{integration_id}"
SUBSCRIPTIONS = ONE + "/subscription"
SUBSCRIPTION = SUBSCRIPTIONS + "/{subscription_id}"


View = TypeVar("View", bound=Callable[..., Any])


def _route(path: str, methods: list[str]) -> Callable[[View], View]:
    """The route at its canonical path and at Keptn's."""

    def both(view: View) -> View:
        integrations_api.route(path, methods=methods)(view)
        integrations_api.route(ALIAS + path, methods=methods)(view)
        return view

    return both


def _json(body: Any, status: int) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})


@_route(REGISTRATION, ["POST"])
@api_view
def register() -> Response:
    answer, status = integrations.register(
        json_object(integrations_api.current_request), integration_deps()
    )
    return _json(answer, status)


@_route(REGISTRATION, ["GET"])
@api_view
def list_integrations() -> Response:
    request = integrations_api.current_request
    found = integrations.listed(
        integration_deps(),
        integration_id_=query_param(request, "id"),
        name=query_param(request, "name"),
        project=query_param(request, "project"),
        stage=query_param(request, "stage"),
        service=query_param(request, "service"),
    )
    return _json(found, 200)


@_route(ONE, ["DELETE"])
@api_view
def unregister(integration_id: str) -> dict[str, Any]:
    integrations.unregister(integration_id, integration_deps())
    return {}


@_route(ONE + "/ping", ["PUT"])
@api_view
def ping(integration_id: str) -> dict[str, Any]:
    return integrations.ping(integration_id, integration_deps())


@_route(SUBSCRIPTIONS, ["GET"])
@api_view
def list_subscriptions(integration_id: str) -> Response:
    return _json(integrations.subscriptions(integration_id, integration_deps()), 200)


@_route(SUBSCRIPTIONS, ["POST"])
@api_view
def create_subscription(integration_id: str) -> Response:
    body = json_object(integrations_api.current_request)
    return _json(integrations.put_subscription(integration_id, body, integration_deps()), 201)


@_route(SUBSCRIPTION, ["GET"])
@api_view
def get_subscription(integration_id: str, subscription_id: str) -> dict[str, Any]:
    return integrations.subscription(integration_id, subscription_id, integration_deps())


@_route(SUBSCRIPTION, ["PUT"])
@api_view
def update_subscription(integration_id: str, subscription_id: str) -> Response:
    body = json_object(integrations_api.current_request)
    answer = integrations.put_subscription(
        integration_id, body, integration_deps(), subscription_id
    )
    return _json(answer, 201)


@_route(SUBSCRIPTION, ["DELETE"])
@api_view
def delete_subscription(integration_id: str, subscription_id: str) -> dict[str, Any]:
    integrations.delete_subscription(integration_id, subscription_id, integration_deps())
    return {}


@_route("/v1/log", ["POST"])
@api_view
def add_logs() -> dict[str, Any]:
    logs.add_logs(json_object(integrations_api.current_request), log_deps())
    return {}


@_route("/v1/log", ["GET"])
@api_view
def get_logs() -> dict[str, Any]:
    request = integrations_api.current_request
    return logs.get_logs(
        query_param(request, "integrationId"),
        query_param(request, "fromTime"),
        query_param(request, "beforeTime"),
        int_param(request, "pageSize", default=20, low=1, high=100),
        int_param(request, "nextPageKey", default=0, low=0, high=1_000_000),
        log_deps(),
    )


@_route("/v1/log", ["DELETE"])
@api_view
def delete_logs() -> dict[str, Any]:
    request = integrations_api.current_request
    return logs.delete_logs(
        query_param(request, "integrationId"),
        query_param(request, "fromTime"),
        query_param(request, "beforeTime"),
        log_deps(),
    )
