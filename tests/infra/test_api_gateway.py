"""The packaged REST API, offline: the swagger `chalice package` writes for the app, merged with
infra/api_gateway.py as `--merge-template` merges it. Every request reaches the function (no
resource or method is left to API Gateway's `403 Missing Authentication Token`), and API
Gateway's own answers have the documented shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.deploy.swagger import CFNSwaggerGenerator
from chalice.package import TemplateDeepMerger

from app import app
from chalicelib.entrypoints.http_routing import ALL_METHODS
from infra.api_gateway import ANY_METHOD, GATEWAY_RESPONSES
from infra.definition import build_template

# API Gateway's response types (the GatewayResponse API reference's valid values).
RESPONSE_TYPES = {
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "RESOURCE_NOT_FOUND",
    "UNAUTHORIZED",
    "INVALID_API_KEY",
    "ACCESS_DENIED",
    "AUTHORIZER_FAILURE",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "INVALID_SIGNATURE",
    "EXPIRED_TOKEN",
    "MISSING_AUTHENTICATION_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "API_CONFIGURATION_ERROR",
    "UNSUPPORTED_MEDIA_TYPE",
    "BAD_REQUEST_PARAMETERS",
    "BAD_REQUEST_BODY",
    "REQUEST_TOO_LARGE",
    "THROTTLED",
    "QUOTA_EXCEEDED",
    "WAF_FILTERED",
}
API_FUNCTION = "${APIHandler.Arn}"


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    """The RestAPI's definition body as deployed: Chalice's swagger with our entries merged."""
    overlay = build_template("prod", "lambda")["Resources"]["RestAPI"]
    merged: dict[str, Any] = TemplateDeepMerger().merge(
        overlay["Properties"]["DefinitionBody"], CFNSwaggerGenerator().generate_swagger(app)
    )
    return merged


def _reaches_the_function(method: dict[str, Any]) -> bool:
    integration = method["x-amazon-apigateway-integration"]
    return integration["type"] == "aws_proxy" and API_FUNCTION in integration["uri"]["Fn::Sub"]


def test_every_resource_hands_every_method_to_the_function(definition: dict[str, Any]) -> None:
    paths = definition["paths"]
    # API Gateway creates a resource for each prefix of a path: each must be a path here too,
    # or it would exist without any method.
    for path in paths:
        parts = path.split("/")
        for end in range(2, len(parts)):
            assert "/".join(parts[:end]) in paths, f"prefix of {path}"
    for path, methods in paths.items():
        if ANY_METHOD in methods:
            assert _reaches_the_function(methods[ANY_METHOD]), path
        else:
            assert sorted(methods) == sorted(m.lower() for m in ALL_METHODS), path
        for name, method in methods.items():
            if path.startswith("/bridge") and name == "get":
                continue  # the Bridge's files (test_the_bridge_is_read_from_its_bucket)
            assert _reaches_the_function(method), path


def test_the_bridge_is_read_from_its_bucket_with_its_role(definition: dict[str, Any]) -> None:
    paths = definition["paths"]
    files = paths["/bridge/{proxy+}"]["get"]["x-amazon-apigateway-integration"]
    assert files["type"] == "aws"
    assert files["credentials"] == {"Fn::GetAtt": ["BridgeReadRole", "Arn"]}
    assert files["uri"]["Fn::Sub"].endswith(":s3:path/${BridgeBucket}/bridge/{proxy}")
    assert files["responses"]["4\\d{2}"]["statusCode"] == "404"
    assert definition["x-amazon-apigateway-minimum-compression-size"] == 1024
    redirect = paths["/bridge"]["get"]["x-amazon-apigateway-integration"]
    assert redirect["type"] == "mock"
    assert (
        "bridge/index.html"
        in redirect["responses"]["default"]["responseTemplates"]["application/json"]
    )


def test_routes_keep_their_own_methods_and_the_catch_all_declares_its_parameter(
    definition: dict[str, Any],
) -> None:
    paths = definition["paths"]
    assert set(paths["/v1/project"]) == {"get", "post", "put", ANY_METHOD}
    assert set(paths["/v1"]) == {ANY_METHOD}
    assert "/" in paths
    for method in paths["/{proxy+}"].values():
        assert method["parameters"] == [
            {"name": "proxy", "in": "path", "required": True, "type": "string"}
        ]
    approval = paths["/v1/project/{project}/stage/{stage}/approval"][ANY_METHOD]
    assert [p["name"] for p in approval["parameters"]] == ["project", "stage"]


def test_every_gateway_response_has_the_documented_shape(definition: dict[str, Any]) -> None:
    responses = definition["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == RESPONSE_TYPES
    for kind, response in responses.items():
        body = json.loads(response["responseTemplates"]["application/json"])
        assert set(body) == {"code", "message"}, kind
        assert str(body["code"]) == response["statusCode"], kind
        assert body["message"], kind
        assert "$" not in body["message"], kind  # a template variable would be substituted
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert responses["THROTTLED"]["statusCode"] == "429"
    assert responses["UNSUPPORTED_MEDIA_TYPE"]["statusCode"] == "415"
    assert set(GATEWAY_RESPONSES) == RESPONSE_TYPES
