"""The OpenAPI description: valid 3.1, covering every /v1 route, served without a token, and
committed up to date in docs/openapi.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

from chalice.test import Client
from openapi_spec_validator import validate

from app import app
from chalicelib.entrypoints.openapi import document, document_text, operations
from chalicelib.entrypoints.openapi.__main__ import main
from chalicelib.entrypoints.openapi.spec import examples_of
from tests.conftest import PROJECT_ROOT

COMMITTED = PROJECT_ROOT / "docs" / "openapi.json"
GENERATE = "python -m chalicelib.entrypoints.openapi --write"
JSON = "application/json"


def v1_routes() -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, entries in app.routes.items()
        if path.startswith("/v1/")
        for method in entries
    }


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
    assert described() == v1_routes()


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
