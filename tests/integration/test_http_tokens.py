"""API tokens through the Chalice app on moto: create, list, revoke, expiry, and 429s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import Container
from chalicelib.services.auth import issue_token, new_token
from tests.integration.api_helpers import Api


@pytest.fixture
def api(aws_container: Container) -> Iterator[Api]:
    token = issue_token(aws_container.tokens, "admin")
    with Client(app) as client:
        yield Api(client, token)


def _auth(api: Api, token: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = api.client.http.post("/api/v1/auth", headers={"x-token": token})
    return response.status_code, json.loads(response.body), response.headers


def test_create_use_list_and_revoke_a_token(api: Api) -> None:
    response = api.client.http.post(
        "/v1/token",
        headers={"x-token": api.token, "content-type": "application/json"},
        body=json.dumps({"name": "ci-pipeline", "expiresIn": "30d"}),
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    created = json.loads(response.body)
    assert created["name"] == "ci-pipeline"
    assert created["createdBy"] == "admin"
    assert created["token"].startswith("qm_")
    created_at = datetime.fromisoformat(created["created"].replace("Z", "+00:00"))
    expires_at = datetime.fromisoformat(created["expires"].replace("Z", "+00:00"))
    assert expires_at - created_at == timedelta(days=30)

    status, body, _ = _auth(api, created["token"])
    assert (status, body["identity"]) == (200, "ci-pipeline")

    status, listed = api.call("GET", "/v1/token")
    assert status == 200
    assert [t["name"] for t in listed["tokens"]] == ["admin", "ci-pipeline"]
    assert created["token"] not in json.dumps(listed)
    assert all("digest" not in t and "token" not in t for t in listed["tokens"])

    status, answer = api.call("DELETE", "/v1/token/ci-pipeline")
    assert status == 200
    assert "revoked" in answer["message"]
    # The process that revoked it refuses it at once (no waiting for its cache).
    assert _auth(api, created["token"])[0] == 403
    assert api.call("DELETE", "/v1/token/ci-pipeline")[0] == 404


def test_token_refusals_name_the_problem(api: Api) -> None:
    assert api.call("POST", "/v1/token", {"name": "ci"})[0] == 201
    cases = [
        ({"name": "ci"}, 409, "a token named 'ci' already exists"),
        ({"name": "no spaces"}, 400, "token name 'no spaces' must be 1 to 64 characters"),
        ({}, 400, "field 'name' is required"),
        ({"name": "x", "ttl": "1d"}, 400, "unknown field 'ttl'"),
        ({"name": "x", "expiresIn": "soon"}, 400, "expiresIn 'soon' is not a duration"),
        ({"name": "x", "expiresAt": "2001-01-01T00:00:00Z"}, 400, "is not in the future"),
    ]
    for body, status, fragment in cases:
        answer = api.call("POST", "/v1/token", body)
        assert answer[0] == status, body
        assert fragment in answer[1]["message"], answer
    api.call("DELETE", "/v1/token/ci")
    status, body = api.call("DELETE", "/v1/token/admin")
    assert status == 409
    assert "last usable one" in body["message"]


def test_an_expired_token_is_refused_with_the_reason(api: Api, aws_container: Container) -> None:
    token, record = new_token("old")
    aws_container.tokens.put_token(
        record.model_copy(update={"expires": "2020-01-01T00:00:00.000Z"})
    )
    status, body, _ = _auth(api, token)
    assert status == 403
    assert "the token 'old' expired at 2020-01-01T00:00:00.000Z" in body["message"]


def test_wrong_tokens_are_slowed_to_one_a_second_but_a_right_one_passes(api: Api) -> None:
    statuses = []
    for _ in range(25):
        status, body, headers = _auth(api, "qm_guess")
        statuses.append(status)
        if status == 429:
            assert headers["Retry-After"] == "1"
            assert body["code"] == 429
            assert "too many failed authentications" in body["message"]
    assert statuses[:5] == [403] * 5
    assert statuses[5:] == [429] * 20
    # Same address, the right token: never throttled.
    assert _auth(api, api.token)[0] == 200
    assert api.call("GET", "/v1/project")[0] == 200
    # Every authenticated route is covered, not only /auth.
    response = api.client.http.get("/v1/project", headers={"x-token": "qm_guess"})
    assert response.status_code == 429
