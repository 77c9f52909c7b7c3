"""Requests that no route serves: a JSON 404 naming the path, for everyone, before any token check.

API Gateway hands such requests to the function through the catch-all routes below (`/` and the
greedy `/{proxy+}`, on every method) and, in the packaged template, through the ANY method that
infra/api_gateway.py adds to every resource (so a resource API Gateway created only as a prefix,
such as `/v1`, reaches the function too). The local runtime matches the same way
(qm/local/gateway.py). Keptn paths that later work brings say so in their 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]
from chalice.app import Request

from chalicelib.entrypoints.http_support import error_body

ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
CATCH_ALL = ("/", "/{proxy+}")
LONGEST_ECHO = 200  # characters of a requested path repeated in a message
# Path parameters and query values become DynamoDB key values (names, contexts, ids, resource
# URIs, commit ids); DynamoDB refuses a sort key over 1024 bytes, which would surface as a 5xx.
# No name, id or filter the API takes comes near this length.
LONGEST_PARAMETER = 1024

# Keptn's public paths (prefixes, whole segments) that Quartermaster does not serve yet, and why.
DEFERRED: dict[str, str] = {
    "/api/v1/import": "importing a project from a zip file is not planned yet",
    "/api/mongodb-datastore/health": (
        "this deprecated internal endpoint is not served; GET /v1/health is the health check"
    ),
    "/api/controlPlane/v1/uniform": "integrations (uniform registration) are not available yet",
    "/api/controlPlane/v1/log": "the integration error log is not available yet",
}

fallback_api = Blueprint(__name__)
Middleware = Callable[[Request, Callable[[Request], Response]], Response]
_PARAMETER = re.compile(r"\{(\w+)\+?\}")


def deferred_reason(path: str) -> str | None:
    """Why a Keptn path is not served yet, or None when it is not one of them."""
    for prefix, reason in DEFERRED.items():
        if path == prefix or path.startswith(prefix + "/"):
            return reason
    return None


def requested_path(request: Request) -> str:
    """The path as the client sent it, from the matched resource and its path parameters (the
    same in API Gateway and locally, whichever resource matched)."""
    template = str(request.context.get("resourcePath", ""))
    values: Mapping[str, str] = request.uri_params or {}

    def value(match: re.Match[str]) -> str:
        # API Gateway names a greedy parameter `proxy`; plain `chalice local`, `proxy+`.
        name = match.group(1)
        return values.get(name) or values.get(name + "+") or match.group(0)

    return _PARAMETER.sub(value, template)


def not_found(request: Request) -> Response:
    path = requested_path(request)
    shown = path if len(path) <= LONGEST_ECHO else path[:LONGEST_ECHO] + "..."
    reason = deferred_reason(path)
    if reason is not None:
        message = f"{shown} is a Keptn API path that Quartermaster does not serve yet: {reason}"
    else:
        message = f"no route for {request.method} {shown}; docs/api.md lists the routes"
    return Response(
        body=error_body(404, message),
        status_code=404,
        headers={"Content-Type": "application/json"},
    )


def answer_unrouted(routes: Mapping[str, Mapping[str, Any]]) -> Middleware:
    """HTTP middleware, in front of the token check: a path no route serves is a 404 for
    everyone, so the answer says nothing about tokens and a token changes nothing."""

    def middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
        resource = str(request.context.get("resourcePath", ""))
        # `routes` is Chalice's defaultdict: .get() does not add the missing path to it.
        if resource in CATCH_ALL or not routes.get(resource):
            return not_found(request)
        return get_response(request)

    return middleware


def refuse_oversized_parameters(
    request: Request, get_response: Callable[[Request], Response]
) -> Response:
    """HTTP middleware: a 400 naming a path parameter or query value over LONGEST_PARAMETER
    bytes, before it can reach a DynamoDB key."""
    values = [("path parameter", name, value) for name, value in (request.uri_params or {}).items()]
    values += [("query parameter", name, value) for name, value in _query_values(request)]
    for kind, name, value in values:
        size = len(value.encode("utf-8", "surrogatepass"))
        if size > LONGEST_PARAMETER:
            message = (
                f"{kind} '{name[:LONGEST_ECHO]}' is {size} bytes long; at most "
                f"{LONGEST_PARAMETER} bytes are accepted"
            )
            return Response(
                body=error_body(400, message),
                status_code=400,
                headers={"Content-Type": "application/json"},
            )
    return get_response(request)


def _query_values(request: Request) -> list[tuple[str, str]]:
    params = request.query_params
    if params is None:
        return []
    # Chalice's MultiDict: every value of a repeated parameter counts.
    return [(name, value) for name in params for value in params.getlist(name)]


@fallback_api.route("/", methods=ALL_METHODS, content_types=["*/*"])
@fallback_api.route("/{proxy+}", methods=ALL_METHODS, content_types=["*/*"])
def no_route() -> Response:
    # API Gateway needs these methods to hand unmatched requests to the function; the
    # middleware above answers them first, this view only when it is not installed.
    return not_found(fallback_api.current_request)
