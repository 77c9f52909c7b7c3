"""`qm create|get|delete token` and `qm skip task` as a user runs them: the real CLI, its HTTP
requests answered in-process by the Chalice app, with moto behind it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from chalice.test import Client
from typer.testing import CliRunner, Result

from app import app
from chalicelib.bootstrap import Container
from chalicelib.services.auth import digest, issue_token
from qm.cli import app as qm_app
from qm.client import ApiClient
from qm.commands import sequences as sequences_command
from qm.commands import tokens as tokens_command
from tests.integration.api_helpers import Api
from tests.integration.sequencing_harness import Harness

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: flaky
          tasks:
            - name: test
            - name: deployment
"""


def chalice_transport(client: Client) -> httpx.MockTransport:
    """An httpx transport that hands each request to the Chalice app (no socket, no server)."""

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        response = client.http.request(
            request.method, path, headers=dict(request.headers), body=request.content
        )
        return httpx.Response(response.status_code, headers=response.headers, content=response.body)

    return httpx.MockTransport(answer)


@pytest.fixture
def served(
    aws_container: Container, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    token = issue_token(aws_container.tokens, "admin")
    monkeypatch.setenv("QM_HOME", str(tmp_path))
    with Client(app) as client:
        transport = chalice_transport(client)
        for module in (tokens_command, sequences_command):
            monkeypatch.setattr(
                module, "connect", lambda: ApiClient("http://qm.test", token, transport=transport)
            )
        yield token


def qm(*arguments: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(qm_app, list(arguments))


def test_create_list_and_revoke_tokens_from_the_cli(served: str, aws_container: Container) -> None:
    created = qm("create", "token", "ci-pipeline", "--expires", "30d")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("qm_")
    assert "not shown again" in created.output
    assert digest(token) in {r.digest for r in aws_container.tokens.list_tokens()}

    listed = qm("get", "tokens", "--output", "json")
    assert listed.exit_code == 0, listed.output
    names = [(t["name"], t["createdBy"]) for t in json.loads(listed.stdout)["tokens"]]
    assert names == [("admin", ""), ("ci-pipeline", "admin")]
    assert token not in listed.output

    table = qm("get", "tokens")
    assert "ci-pipeline" in table.output
    assert "never" in table.output  # admin's expiry

    again = qm("create", "token", "ci-pipeline")
    assert again.exit_code == 1
    assert "409: a token named 'ci-pipeline' already exists" in again.output

    revoked = qm("delete", "token", "ci-pipeline")
    assert revoked.exit_code == 0, revoked.output
    assert "token 'ci-pipeline' revoked" in revoked.output
    assert [r.name for r in aws_container.tokens.list_tokens()] == ["admin"]

    missing = qm("delete", "token", "ci-pipeline")
    assert missing.exit_code == 1
    assert "404: no token named 'ci-pipeline'" in missing.output


def test_created_token_json_output_carries_the_token_once(served: str) -> None:
    created = qm("create", "token", "bot", "--expires-at", "2099-01-01T00:00:00Z", "-o", "json")
    assert created.exit_code == 0, created.output
    body = json.loads(created.stdout)
    assert body["expires"] == "2099-01-01T00:00:00.000Z"
    assert body["token"].startswith("qm_")


def test_skip_task_finishes_the_waiting_task_with_the_reason(served: str) -> None:
    with Client(app) as client:
        flow = Harness(Api(client, served))
        flow.create_project(SHIPYARD)
        context = flow.trigger("dev", "flaky")
        flow.wait_task(context, "test")
        skipped = qm(
            "skip", "task", "-p", "shop", "-c", context, "--stage", "dev", "--reason", "flaky"
        )
        assert skipped.exit_code == 0, skipped.output
        assert "skipped test" in skipped.output
        assert flow.wait_task(context, "deployment")
        finished = [e for e in flow.events(context) if e["type"] == "sh.keptn.event.test.finished"]
        assert finished[0]["data"]["message"] == "skipped by admin: flaky"


def test_skip_task_of_an_unknown_context_says_so(served: str) -> None:
    with Client(app) as client:
        Harness(Api(client, served)).create_project(SHIPYARD)
    answer = qm("skip", "task", "-p", "shop", "-c", "no-such-context")
    assert answer.exit_code == 1
    assert "404: keptn context 'no-such-context' has no sequence in project 'shop'" in answer.output
