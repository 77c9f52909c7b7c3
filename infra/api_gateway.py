"""What the packaged template adds to the REST API that `chalice package` writes (merged into its
swagger definition by `--merge-template`), so that API Gateway answers as the local runtime does.

- An ANY method, proxied to the API function, on every resource: on each route's resource (a
  method no route has then reaches Chalice, which answers 405 naming the allowed ones) and on each
  prefix API Gateway creates for the routes (`/v1`, `/api/controlPlane`, ...). Without it such a
  request gets API Gateway's `403 Missing Authentication Token`; with it the function answers
  (chalicelib/entrypoints/http_routing.py). Unmatched paths already reach the function through
  the app's greedy `/{proxy+}` route.
- Compression of answers over 1 KB, for clients that accept it (the Bridge's files above all).
- Gateway responses: API Gateway's own answers (throttling, a request too large, a function that
  timed out, ...) in the documented error shape `{"code", "message"}`, with the same status.

Both live in the definition body rather than in AWS::ApiGateway::GatewayResponse resources: a
change then changes the definition, which makes SAM deploy the stage again, whereas a separate
gateway response resource reaches a stage only with its next deployment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from infra.naming import API_HANDLER, function_id

ANY_METHOD = "x-amazon-apigateway-any-method"
COMPRESS_FROM_BYTES = 1024
_PARAMETER = re.compile(r"\{(\w+)\+?\}")

INTERNAL = (
    "internal error: the request could not be completed; try again later or report it with the "
    "time of the request"
)

# Every response type API Gateway has, its status and our message. The DEFAULT_ pair catches
# types added later: their status is fixed too, so that `code` always equals the status.
GATEWAY_RESPONSES: dict[str, tuple[int, str]] = {
    "ACCESS_DENIED": (403, "access denied"),
    "API_CONFIGURATION_ERROR": (500, INTERNAL),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, INTERNAL),
    "AUTHORIZER_FAILURE": (500, INTERNAL),
    "BAD_REQUEST_PARAMETERS": (400, "the request's parameters are not valid"),
    "BAD_REQUEST_BODY": (400, "the request body is not valid"),
    "EXPIRED_TOKEN": (403, "the request's credentials have expired"),
    "INTEGRATION_FAILURE": (504, "the API function could not be reached; try again later"),
    "INTEGRATION_TIMEOUT": (
        504,
        "the API function did not answer within API Gateway's 29 seconds; try again later",
    ),
    "INVALID_API_KEY": (403, "the API key is not valid"),
    "INVALID_SIGNATURE": (403, "the request signature is not valid"),
    "MISSING_AUTHENTICATION_TOKEN": (
        404,
        "no route for this method and path; docs/api.md lists the routes",
    ),
    "QUOTA_EXCEEDED": (429, "the request quota is used up; try again later"),
    "REQUEST_TOO_LARGE": (413, "the request is larger than API Gateway accepts (10 MB)"),
    "RESOURCE_NOT_FOUND": (404, "no route for this method and path; docs/api.md lists the routes"),
    "THROTTLED": (429, "too many requests; slow down and try again in a moment"),
    "UNAUTHORIZED": (401, "the request is not authenticated; send the header x-token"),
    "UNSUPPORTED_MEDIA_TYPE": (
        415,
        "this content type is not accepted; send JSON (Content-Type: application/json)",
    ),
    "WAF_FILTERED": (403, "the request was refused by the web application firewall"),
    "DEFAULT_4XX": (400, "the request was refused by API Gateway"),
    "DEFAULT_5XX": (500, INTERNAL),
}


def gateway_responses() -> dict[str, Any]:
    """The swagger extension `x-amazon-apigateway-gateway-responses`."""
    return {
        kind: {
            "statusCode": str(status),
            "responseTemplates": {
                "application/json": json.dumps({"code": status, "message": message})
            },
        }
        for kind, (status, message) in GATEWAY_RESPONSES.items()
    }


def _parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "type": "string"}
        for name in _PARAMETER.findall(path)
    ]


def proxy_method(path: str) -> dict[str, Any]:
    """A method proxied to the API function, as `chalice package` writes its own."""
    arn = "${" + function_id(API_HANDLER) + ".Arn}"
    method: dict[str, Any] = {
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "responses": {"200": {"description": "200 response"}},
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": {
                "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/"
                f"2015-03-31/functions/{arn}/invocations"
            },
            "passthroughBehavior": "when_no_match",
            "contentHandling": "CONVERT_TO_TEXT",
            "responses": {"default": {"statusCode": "200"}},
        },
    }
    parameters = _parameters(path)
    if parameters:
        method["parameters"] = parameters
    return method


def resource_paths(route_paths: Iterable[str]) -> list[str]:
    """Every resource API Gateway creates for these routes: the routes and all their prefixes."""
    found: set[str] = set()
    for path in route_paths:
        parts = path.split("/")
        found.update("/".join(parts[:end]) for end in range(2, len(parts) + 1))
    return sorted(found - {""})


def definition_overlay(routes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Merged into the RestAPI's `Properties.DefinitionBody` (dicts merge key by key)."""
    from chalicelib.entrypoints.http_routing import ALL_METHODS

    paths: dict[str, Any] = {}
    for path in resource_paths(routes):
        methods = routes.get(path, {})
        if "+}" in path:
            # Chalice declares no parameter for a greedy segment; API Gateway wants one.
            paths[path] = {method.lower(): {"parameters": _parameters(path)} for method in methods}
        elif not set(ALL_METHODS) <= set(methods):
            paths[path] = {ANY_METHOD: proxy_method(path)}
    from infra.bridge import bridge_paths

    return {
        "paths": {**paths, **bridge_paths()},
        "x-amazon-apigateway-gateway-responses": gateway_responses(),
        # Answers over 1 KB are compressed for clients that accept it: the Bridge's scripts
        # (its chart library is 715 KB, 240 KB compressed) and long listings.
        "x-amazon-apigateway-minimum-compression-size": COMPRESS_FROM_BYTES,
    }


def rest_api_overlay() -> dict[str, Any]:
    """The RestAPI entry of the merge template, from the app's routes."""
    from app import app

    return {"Properties": {"DefinitionBody": definition_overlay(app.routes)}}
