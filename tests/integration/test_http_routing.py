"""Hostile and mistaken requests over the local runtime's HTTP server (routed as API Gateway
routes): unknown and deferred paths, wrong methods and content types, unhandled errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app import app
from chalicelib.bootstrap import Container
from chalicelib.services.auth import issue_token
from qm.local.runtime import free_port, serve_api


class Server:
    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.token = token

    def send(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"x-token": token} if token is not None else {}
        headers.update(kwargs.pop("headers", {}))
        return self.http.request(method, path, headers=headers, **kwargs)


@pytest.fixture
def server(aws_container: Container) -> Iterator[Server]:
    token = issue_token(aws_container.tokens, "alice")
    running = serve_api(free_port())
    host, port = running.server.server_address[:2]
    client = Server(f"http://{host}:{port}", token)
    yield client
    client.http.close()
    running.shutdown()


def error_of(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"code", "message"}, body
    assert body["code"] == response.status_code
    assert response.headers["content-type"] == "application/json"
    return response.status_code, body["message"]


UNROUTED = [
    ("GET", "/"),
    ("GET", "/nope"),
    ("DELETE", "/v1/nope/deeper/still"),
    ("GET", "/v1"),  # a prefix of routes, not a route
    ("GET", "/v1/project/shop/stage/dev/approval"),
    ("POST", "/api/controlPlane/v1/project/shop/extra/segments"),
    ("OPTIONS", "/anything"),
]


def test_a_path_no_route_serves_is_a_json_404_for_everyone(server: Server) -> None:
    for method, path in UNROUTED:
        for token in (None, server.token, "not-a-token"):
            status, message = error_of(server.send(method, path, token=token))
            assert (status, message) == (
                404,
                f"no route for {method} {path}; docs/api.md lists the routes",
            ), (method, path, token)


DEFERRED = [
    ("POST", "/api/v1/import", "zip file"),
    ("GET", "/api/mongodb-datastore/health", "GET /v1/health is the health check"),
]


def test_a_deferred_keptn_path_says_it_is_not_served_yet(server: Server) -> None:
    for method, path, fragment in DEFERRED:
        for token in (None, server.token):
            status, message = error_of(server.send(method, path, token=token))
            assert status == 404
            assert message.startswith(f"{path} is a Keptn API path that Quartermaster does not")
            assert fragment in message


def test_a_prefix_of_a_deferred_path_is_not_mistaken_for_it(server: Server) -> None:
    status, message = error_of(server.send("GET", "/api/v1/importer", server.token))
    assert (status, message.startswith("no route for GET")) == (404, True)


def test_existing_paths_still_want_a_token_and_health_does_not(server: Server) -> None:
    assert error_of(server.send("GET", "/v1/project"))[0] == 401
    assert server.send("GET", "/v1/project", token="not-a-token").status_code == 403
    assert server.send("GET", "/v1/project", token=server.token).status_code == 200
    assert server.send("GET", "/v1/health").json() == {"status": "OK"}


def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(server: Server) -> None:
    response = server.send("PATCH", "/v1/project", token=server.token)
    status, message = error_of(response)
    assert status == 405
    assert message == "method PATCH is not allowed on this path; allowed: GET, POST, PUT"
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "POST", "PUT"]
    # Without a token, the token check comes first, as for every existing path.
    assert error_of(server.send("PATCH", "/v1/project"))[0] == 401
    # OPTIONS is a method like the others (no CORS preflight is configured).
    assert error_of(server.send("OPTIONS", "/v1/health"))[0] == 405


def test_an_unsupported_content_type_is_a_json_415(server: Server) -> None:
    response = server.send(
        "POST",
        "/v1/project",
        token=server.token,
        content=b"name: shop",
        headers={"content-type": "text/yaml"},
    )
    status, message = error_of(response)
    assert status == 415
    assert "'text/yaml' is not accepted" in message


def test_an_unhandled_error_is_logged_and_answers_a_json_500_without_a_trace(
    server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("secret detail in a stack frame")

    monkeypatch.setattr(app.routes["/v1/metadata"]["GET"], "view_function", broken)
    with caplog.at_level(logging.ERROR):
        response = server.send("GET", "/v1/metadata", token=server.token)
    status, message = error_of(response)
    assert status == 500
    assert message.startswith("internal error")
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text
    logged = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert any("secret detail" in str(error) for error in logged)


def test_plain_chalice_local_names_the_path_too(aws_container: Container) -> None:
    """`chalice local` (and Chalice's test client) match `/{proxy+}` as one plain segment and
    name its parameter `proxy+`: the 404 still names the path."""
    from chalice.test import Client

    with Client(app) as client:
        response = client.http.get("/nope")
    assert response.status_code == 404
    assert json.loads(response.body)["message"].startswith("no route for GET /nope;")
