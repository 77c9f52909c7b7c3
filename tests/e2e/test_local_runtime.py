"""End to end: `qm local up`, then the CLI as a user drives it, then `qm local down`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
QM = str(Path(sys.executable).with_name("qm"))
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def qm_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = {**os.environ, "QM_HOME": str(tmp_path_factory.mktemp("qm-home"))}
    for name in ("QM_ENDPOINT", "QM_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    up = subprocess.run([QM, "local", "up"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "API token: qm_" in up.stdout
    yield env
    down = subprocess.run([QM, "local", "down"], env=env, capture_output=True, text=True)
    assert "Stopped." in down.stdout


def qm(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QM, *arguments], env=env, capture_output=True, text=True, timeout=60)


def test_a_user_creates_a_project_and_sees_an_event_stored(qm_env: dict[str, str]) -> None:
    example = ROOT / "examples" / "delivery"
    assert (
        qm(
            qm_env, "create", "project", "shop", "--shipyard", str(example / "shipyard.yaml")
        ).returncode
        == 0
    )
    assert qm(qm_env, "create", "service", "cart", "--project", "shop").returncode == 0
    again = qm(qm_env, "create", "service", "cart", "--project", "shop")
    assert again.returncode == 1
    assert "409" in again.stderr
    assert "already exists" in again.stderr

    stages = json.loads(qm(qm_env, "get", "stage", "--project", "shop", "-o", "json").stdout)
    assert [s["stageName"] for s in stages["stages"]] == ["dev", "staging", "production"]

    added = qm(
        qm_env,
        "add-resource",
        "--project",
        "shop",
        "--stage",
        "staging",
        "--service",
        "cart",
        "--resource",
        str(example / "slo.yaml"),
        "--resourceUri",
        "slo.yaml",
    )
    assert added.returncode == 0, added.stderr

    event_file = Path(qm_env["QM_HOME"]) / "event.json"
    event_file.write_text(
        json.dumps(
            {
                "specversion": "1.0",
                "source": "e2e",
                "id": "e2e-1",
                "type": "sh.keptn.event.dev.delivery.triggered",
                "data": {"project": "shop", "stage": "dev", "service": "cart"},
            }
        )
    )
    sent = qm(qm_env, "send", "event", "--file", str(event_file))
    assert sent.returncode == 0, sent.stderr
    context = sent.stdout.split("keptnContext")[1].split()[0]

    deadline = time.monotonic() + 30
    ids: list[object] = []
    while time.monotonic() < deadline and "e2e-1" not in ids:
        listed = qm(qm_env, "get", "event", "--keptn-context", context, "-o", "json")
        ids = [e["id"] for e in json.loads(listed.stdout)["events"]]
        time.sleep(0.3)
    # The trigger is stored (and, as the shipyard says, it started the delivery's first task).
    assert "e2e-1" in ids


def test_the_api_refuses_a_request_without_a_token(qm_env: dict[str, str]) -> None:
    config = json.loads((Path(qm_env["QM_HOME"]) / "config.json").read_text())
    assert httpx.get(f"{config['endpoint']}/v1/project").status_code == 401
    assert httpx.get(f"{config['endpoint']}/v1/health").status_code == 200


def test_cli_errors_are_one_line_without_traceback(qm_env: dict[str, str]) -> None:
    missing = qm(qm_env, "get", "project", "ghost")
    assert missing.returncode == 1
    assert "404: project 'ghost' does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_secrets_round_trip_without_showing_values(qm_env: dict[str, str]) -> None:
    created = qm(
        qm_env,
        "create",
        "secret",
        "slack",
        "--from-literal",
        "token=s3cr3t",
        "--scope",
        "keptn-webhook-service",
    )
    assert created.returncode == 0, created.stderr
    listed = qm(qm_env, "get", "secret", "-o", "json")
    assert json.loads(listed.stdout)["Secrets"] == [
        {"name": "slack", "scope": "keptn-webhook-service", "keys": ["token"]}
    ]
    assert "s3cr3t" not in listed.stdout
    deleted = qm(qm_env, "delete", "secret", "slack", "--scope", "keptn-webhook-service")
    assert deleted.returncode == 0, deleted.stderr


def _with_sample_tool(env: dict[str, str], *arguments: str) -> subprocess.Popen[str]:
    tool = subprocess.Popen(
        [sys.executable, "-m", "qm.local.sample_tool", *arguments],
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert tool.stdout is not None
    assert "answering" in tool.stdout.readline()  # subscribed before the trigger goes out
    return tool


def test_a_delivery_waits_for_approval_then_runs_to_production(qm_env: dict[str, str]) -> None:
    demo = ROOT / "qm" / "demo_files" / "shipyard.yaml"
    assert qm(qm_env, "create", "project", "demo", "--shipyard", str(demo)).returncode == 0
    assert qm(qm_env, "create", "service", "carts", "--project", "demo").returncode == 0
    tool = _with_sample_tool(qm_env)
    try:
        sent = qm(
            qm_env, "trigger", "delivery", "-p", "demo", "--service", "carts", "--image", "carts:1"
        )
        context = sent.stdout.split("keptnContext")[1].split()[0]
        deadline = time.monotonic() + 40
        waiting: list[dict[str, object]] = []
        while time.monotonic() < deadline and not waiting:
            listed = qm(qm_env, "get", "approvals", "-p", "demo", "-o", "json")
            waiting = json.loads(listed.stdout)["events"]
            time.sleep(0.3)
        assert len(waiting) == 1
        approved = qm(qm_env, "approve", "-p", "demo", "-s", "production", "-m", "ship it")
        assert approved.returncode == 0, approved.stderr
        assert "Approved" in approved.stdout
        watched = qm(
            qm_env, "get", "sequences", "-p", "demo", "-c", context, "--watch", "--timeout", "50"
        )
    finally:
        tool.terminate()
    assert watched.returncode == 0, watched.stdout + watched.stderr
    assert "production.delivery.finished" in watched.stdout
    assert "sequence finished: succeeded" in watched.stdout
    listed = json.loads(qm(qm_env, "get", "sequences", "-p", "demo", "-o", "json").stdout)
    assert [s["state"] for s in listed["states"][0]["stages"]] == ["succeeded"] * 3


def test_a_failing_test_fails_the_watch_and_rolls_back(qm_env: dict[str, str]) -> None:
    demo = ROOT / "qm" / "demo_files" / "shipyard.yaml"
    qm(qm_env, "create", "project", "demo", "--shipyard", str(demo))
    qm(qm_env, "create", "service", "carts", "--project", "demo")
    tool = _with_sample_tool(qm_env, "--fail", "test")
    try:
        watched = qm(
            qm_env,
            "trigger",
            "delivery",
            "-p",
            "demo",
            "--service",
            "carts",
            "--image",
            "carts:2",
            "--watch",
            "--timeout",
            "50",
        )
    finally:
        tool.terminate()
    assert watched.returncode == 1, watched.stdout + watched.stderr
    assert "dev.delivery.finished" in watched.stdout
    assert "sequence finished: failed" in watched.stdout
    assert "staging" not in watched.stdout
