"""End to end on the local runtime: a delivery whose `test` task is done by a webhook to a
receiver on 127.0.0.1, and an approval decided by following the signed link in the chat
message a receiver got; the same link used again is refused. Webhooks are registered with the
CLI, as a user would. The runtime may reach 127.0.0.1 only because QM_WEBHOOK_ALLOW says so."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

QM = str(Path(sys.executable).with_name("qm"))
pytestmark = pytest.mark.e2e
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {name: hooks}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: test
            - name: approval
              properties: {pass: manual, warning: manual}
"""


@pytest.fixture(scope="module")
def qm_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = {
        **os.environ,
        "QM_HOME": str(tmp_path_factory.mktemp("qm-home")),
        "QM_WEBHOOK_ALLOW": "127.0.0.1/32",
    }
    for name in ("QM_ENDPOINT", "QM_TOKEN", "AWS_ENDPOINT_URL", "QM_PUBLIC_API_URL"):
        env.pop(name, None)
    up = subprocess.run([QM, "local", "up"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stdout + up.stderr
    yield env
    subprocess.run([QM, "local", "down"], env=env, capture_output=True, text=True)


def qm(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QM, *arguments], env=env, capture_output=True, text=True, timeout=60)


def _wait_for(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_webhook_does_the_test_task_and_a_chat_link_approves(
    qm_env: dict[str, str], httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/tests/run", method="POST").respond_with_json({"passed": 42})
    httpserver.expect_request("/chat", method="POST").respond_with_data("ok")
    shipyard = tmp_path / "shipyard.yaml"
    shipyard.write_text(SHIPYARD)
    assert qm(qm_env, "create", "project", "hooks", "--shipyard", str(shipyard)).returncode == 0
    assert qm(qm_env, "create", "service", "cart", "--project", "hooks").returncode == 0
    registered = qm(
        qm_env, "register", "webhook", httpserver.url_for("/tests/run"), "--project", "hooks",
        "--stage", "dev", "--service", "cart", "--action", "test",
        "--header", "Content-Type: application/json",
        "--payload", '{"service": "{{.data.service}}", "context": "{{.shkeptncontext}}"}',
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    chat = qm(
        qm_env, "register", "webhook", httpserver.url_for("/chat"), "--project", "hooks",
        "--stage", "dev", "--event", "sh.keptn.event.approval.waiting", "--format", "slack",
    )  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    listed = json.loads(qm(qm_env, "get", "webhooks", "-p", "hooks", "-o", "json").stdout)
    assert [(w["stage"], w["service"], w["type"]) for w in listed["webhooks"]] == [
        ("dev", None, "sh.keptn.event.approval.waiting"),
        ("dev", "cart", "sh.keptn.event.test.triggered"),
    ]

    sent = qm(qm_env, "trigger", "delivery", "-p", "hooks", "--service", "cart", "--image", "c:1")
    assert sent.returncode == 0, sent.stderr
    context = sent.stdout.split("keptnContext")[1].split()[0]

    # The webhook did the test task: its request carried the event, its answer is the result.
    def chat_message() -> dict[str, Any] | None:
        bodies = [json.loads(r.data) for r, _ in httpserver.log if r.path == "/chat"]
        return bodies[0] if bodies else None

    message = _wait_for(chat_message, 60, "the approval's chat message")
    (test_call,) = [r for r, _ in httpserver.log if r.path == "/tests/run"]
    assert json.loads(test_call.data) == {"service": "cart", "context": context}
    events = json.loads(qm(qm_env, "get", "event", "--keptn-context", context, "-o", "json").stdout)
    finished = [e for e in events["events"] if e["type"] == "sh.keptn.event.test.finished"]
    assert finished[0]["source"] == "webhook-service"
    assert finished[0]["data"]["test"] == {"responses": [{"passed": 42}]}

    # The chat message: Slack blocks with the approve and decline buttons.
    assert message["text"] == "Approval waiting: cart to dev (hooks)"
    buttons = [
        b for block in message["blocks"] if block["type"] == "actions" for b in block["elements"]
    ]
    links = {button["text"]["text"]: button["url"] for button in buttons}
    assert set(links) == {"Approve", "Decline"}
    approve = links["Approve"]
    assert re.match(r"http://127\.0\.0\.1:\d+/approval-link/[\w-]+\.[\w-]+$", approve)

    # Opening the link (as a chat preview does) decides nothing.
    opened = httpx.get(approve)
    assert opened.status_code == 200
    assert "Approve the delivery of service cart in stage dev of project hooks?" in opened.text
    assert '<form method="post">' in opened.text
    altered = httpx.post(approve[:-3] + ("AAA" if not approve.endswith("AAA") else "BBB"))
    assert altered.status_code == 403
    assert "This link has been altered" in altered.text
    waiting = json.loads(qm(qm_env, "get", "approvals", "-p", "hooks", "-o", "json").stdout)
    assert len(waiting["events"]) == 1

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    confirmed = httpx.post(approve, headers=form)  # the form's POST, with no API token
    assert confirmed.status_code == 200, confirmed.text
    assert (
        "The delivery of service cart in stage dev of project hooks was approved." in confirmed.text
    )

    replayed = httpx.post(approve, headers=form)
    assert replayed.status_code == 409
    assert "This link was already used" in replayed.text
    declined = httpx.post(links["Decline"])
    assert declined.status_code == 409

    watched = qm(
        qm_env, "get", "sequences", "-p", "hooks", "-c", context, "--watch", "--timeout", "50"
    )
    assert watched.returncode == 0, watched.stdout + watched.stderr
    assert "sequence finished: succeeded" in watched.stdout
    events = json.loads(qm(qm_env, "get", "event", "--keptn-context", context, "-o", "json").stdout)
    (decision,) = [e for e in events["events"] if e["type"] == "sh.keptn.event.approval.finished"]
    assert decision["data"]["approval"]["decidedBy"] == "approval-link"
    assert decision["data"]["result"] == "pass"
