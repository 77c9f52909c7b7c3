"""The OpenAPI description: valid 3.1, covering every /v1 route, served without a token, and
committed up to date in docs/openapi.json."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chalice.test import Client
from openapi_spec_validator import validate

from app import app
from chalicelib.entrypoints.http_routing import CATCH_ALL
from chalicelib.entrypoints.openapi import document, document_text, operations
from chalicelib.entrypoints.openapi.__main__ import main
from chalicelib.entrypoints.openapi.spec import examples_of
from tests.conftest import PROJECT_ROOT

COMMITTED = PROJECT_ROOT / "docs" / "openapi.json"
GENERATE = "python -m chalicelib.entrypoints.openapi --write"
JSON = "application/json"


def v1_routes(routes: Mapping[str, Mapping[str, Any]] = app.routes) -> set[tuple[str, str]]:
    """The (method, path) pairs the app serves under /v1; the catch-all routes answer only
    404s for paths no route serves, so they are no operation."""
    return {
        (method, path)
        for path, entries in routes.items()
        if path not in CATCH_ALL and (path == "/v1" or path.startswith("/v1/"))
        for method in entries
    }


def coverage_problems(served: set[tuple[str, str]], described: set[tuple[str, str]]) -> list[str]:
    missing = [f"{m} {p} is served but not described" for m, p in sorted(served - described)]
    extra = [f"{m} {p} is described but not served" for m, p in sorted(described - served)]
    return missing + extra


def described() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document()["paths"].items()
        for method in operations
    }


def test_the_committed_description_is_current() -> None:
    assert COMMITTED.read_text() == document_text(), f"docs/openapi.json is stale: run {GENERATE}"


def test_the_check_command_fails_on_a_stale_file(tmp_path: Path) -> None:
    assert main(["--check", str(COMMITTED)]) == 0
    target = tmp_path / "openapi.json"
    target.write_text("{}\n")
    assert main(["--check", str(target)]) == 1
    assert main(["--write", str(target)]) == 0
    assert main(["--check", str(target)]) == 0


def test_the_description_is_valid_openapi_3_1() -> None:
    validate(document())
    assert document()["openapi"].startswith("3.1")


def test_every_v1_route_is_described_and_nothing_else() -> None:
    problems = coverage_problems(v1_routes(), described())
    assert not problems, f"{problems}: add the operation in chalicelib/entrypoints/openapi/"


def test_the_coverage_check_names_a_route_missing_either_way() -> None:
    # A route added to the app without an operation, and an operation whose route is gone.
    routes: dict[str, Mapping[str, Any]] = {
        **app.routes,
        "/v1/widget": {"GET": None},
        "/v1/token": {"GET": None},
    }
    served = v1_routes(routes)
    assert ("POST", "/v1/token") not in served
    assert coverage_problems(served, described()) == [
        "GET /v1/widget is served but not described",
        "POST /v1/token is described but not served",
    ]


def test_the_token_routes_are_described() -> None:
    paths = document()["paths"]
    created = paths["/v1/token"]["post"]
    assert created["requestBody"]["content"][JSON]["example"]["name"] == "ci-pipeline"
    answer = created["responses"]["201"]
    assert answer["content"][JSON]["example"]["token"].startswith("qm_")
    assert "Cache-Control" in answer["headers"]
    assert {"400", "409", "413"} <= set(created["responses"])
    assert {"404", "409"} <= set(paths["/v1/token/{name}"]["delete"]["responses"])
    assert "example" in paths["/v1/token"]["get"]["responses"]["200"]["content"][JSON]


def test_authenticated_operations_answer_401_403_and_429_with_retry_after() -> None:
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            if operation.get("security") == []:
                assert not {"401", "403", "429"} & set(responses), (method, path)
                continue
            assert {"401", "403", "429"} <= set(responses), (method, path)
            header = responses["429"]["headers"]["Retry-After"]
            assert header["required"], (method, path)
            assert header["schema"]["type"] == "integer", (method, path)


def test_every_error_answer_is_the_code_and_message_body() -> None:
    error = {"$ref": "#/components/schemas/ErrorBody"}
    assert document()["components"]["schemas"]["ErrorBody"]["required"] == ["code", "message"]
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {
                        JSON: {**response["content"][JSON], "schema": error}
                    }, (method, path, status)


def test_the_refusals_of_the_merged_rules_are_described() -> None:
    paths = document()["paths"]
    project_file = paths["/v1/project/{project}/resource/{uri}"]
    assert {"400", "409"} <= set(project_file["delete"]["responses"])
    assert {"400", "409", "413"} <= set(project_file["put"]["responses"])
    stage_file = paths["/v1/project/{project}/stage/{stage}/resource/{uri}"]
    assert "409" not in stage_file["delete"]["responses"]
    assert "413" in paths["/v1/secret"]["post"]["responses"]
    listing = {p["name"]: p for p in paths["/v1/project"]["get"]["parameters"]}
    assert "400" in paths["/v1/project"]["get"]["responses"]
    assert listing["pageSize"]["schema"]["type"] == "integer"
    events = {p["name"] for p in paths["/v1/event"]["get"]["parameters"]}
    assert "root" in events


def test_every_path_parameter_is_a_declared_parameter() -> None:
    for path, methods in document()["paths"].items():
        for operation in methods.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{([^}]+)\}", path)), path


def test_request_bodies_and_answers_have_examples() -> None:
    paths = document()["paths"]
    event = paths["/v1/event"]["post"]
    assert event["requestBody"]["content"]["application/json"]["example"]["type"].startswith(
        "sh.keptn.event."
    )
    assert "example" in paths["/v1/project"]["post"]["requestBody"]["content"]["application/json"]
    assert "example" in paths["/v1/metadata"]["get"]["responses"]["200"]["content"][JSON]


def test_the_api_serves_its_description_without_a_token() -> None:
    with Client(app) as client:
        response = client.http.get("/v1/openapi.json")
    assert response.status_code == 200
    assert json.loads(response.body) == document()


def test_only_the_public_routes_are_described_as_needing_no_token() -> None:
    public = {
        path
        for path, operations in document()["paths"].items()
        for operation in operations.values()
        if operation.get("security") == []
    }
    assert public == {"/v1/health", "/v1/openapi.json"}


def test_every_example_is_a_valid_body() -> None:
    models = {
        model
        for operation in operations()
        for model in (operation.answer, operation.body)
        if model is not None
    }
    checked = 0
    for model in models:
        for example in examples_of(model):
            model.model_validate(example)
            checked += 1
    assert checked >= 10


def test_a_content_type_refused_on_a_route_without_a_body_is_described() -> None:
    # Chalice checks the Content-Type header on every request, before the route runs.
    with Client(app) as client:
        response = client.http.get("/v1/health", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert json.loads(response.body)["code"] == 415
    assert "415" in document()["paths"]["/v1/health"]["get"]["responses"]


def test_request_bodies_allow_unknown_fields_except_the_token_request() -> None:
    # The API ignores unknown fields in every body but POST /v1/token's (docs/api.md).
    schemas = document()["components"]["schemas"]
    strict = set()
    for methods in document()["paths"].values():
        for operation in methods.values():
            if "requestBody" in operation:
                ref = operation["requestBody"]["content"][JSON]["schema"]["$ref"]
                name = ref.rsplit("/", 1)[-1]
                if schemas[name].get("additionalProperties") is False:
                    strict.add(name)
    assert strict == {"TokenRequest"}
    # Answers still list exactly their fields.
    assert schemas["MonitoringSettings-Output"]["additionalProperties"] is False
