"""End to end: `qm local up`, then the CLI as a user drives it, then `qm local down`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from qm.local.control import emulator_client

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
    # A path no route serves is a JSON 404 naming it, token or not, as API Gateway answers.
    for headers in ({}, {"x-token": config["token"]}):
        unknown = httpx.get(f"{config['endpoint']}/v1/nope", headers=headers)
        assert unknown.status_code == 404
        assert unknown.json() == {
            "code": 404,
            "message": "no route for GET /v1/nope; docs/api.md lists the routes",
        }
    deferred = httpx.post(f"{config['endpoint']}/api/v1/import")
    assert deferred.status_code == 404
    assert "does not serve yet" in deferred.json()["message"]


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


def test_a_failing_test_in_dev_fails_the_watch_and_staging_never_starts(
    qm_env: dict[str, str],
) -> None:
    # The demo shipyard has no rollback sequence in dev (its rollback is staging's, on a failed
    # staging delivery): a failure in dev ends the delivery there.
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


GATE_SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {name: gate}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
"""
GATE_SLO = """\
spec_version: "1.0"
comparison: {compare_with: single_result, include_result_with_score: pass}
objectives:
  - sli: latency
    displayName: Latency
    pass:
      - criteria: ["<=+10%", "<500"]
  - sli: requests
total_score: {pass: "90%", warning: "75%"}
"""
GATE_SLI = """\
indicators:
  latency: |
    namespace: Shop
    metric: Latency
    dimensions: {Service: $SERVICE}
    stat: Maximum
  requests: |
    namespace: Shop
    metric: Requests
    dimensions: {Service: $SERVICE}
    stat: Sum
"""


def test_a_quality_gate_measures_cloudwatch_and_keeps_history(
    qm_env: dict[str, str], tmp_path: Path
) -> None:
    for name, content in (("shipyard.yaml", GATE_SHIPYARD), ("slo.yaml", GATE_SLO)):
        (tmp_path / name).write_text(content)
    (tmp_path / "sli.yaml").write_text(GATE_SLI)
    assert (
        qm(
            qm_env, "create", "project", "gate", "--shipyard", str(tmp_path / "shipyard.yaml")
        ).returncode
        == 0
    )
    assert qm(qm_env, "create", "service", "cart", "--project", "gate").returncode == 0
    for path, uri in (
        (tmp_path / "slo.yaml", "slo.yaml"),
        (tmp_path / "sli.yaml", "cloudwatch/sli.yaml"),
    ):
        added = qm(
            qm_env,
            "add-resource",
            "-p",
            "gate",
            "--stage",
            "dev",
            "--service",
            "cart",
            "--resource",
            str(path),
            "--resourceUri",
            uri,
        )
        assert added.returncode == 0, added.stderr
    configured = qm(qm_env, "configure", "monitoring", "cloudwatch", "--project", "gate")
    assert configured.returncode == 0, configured.stderr

    state = json.loads((Path(qm_env["QM_HOME"]) / "local" / "state.json").read_text())
    cloudwatch = emulator_client(state, "cloudwatch")
    now = datetime.now(UTC)

    def measure(latency: float, minutes_ago: int) -> None:
        at = now - timedelta(minutes=minutes_ago)
        dimensions = [{"Name": "Service", "Value": "cart"}]
        cloudwatch.put_metric_data(
            Namespace="Shop",
            MetricData=[
                {
                    "MetricName": "Latency",
                    "Dimensions": dimensions,
                    "Timestamp": at,
                    "Value": latency,
                },
                {"MetricName": "Requests", "Dimensions": dimensions, "Timestamp": at, "Value": 10},
            ],
        )

    def gate(start_minutes_ago: int) -> subprocess.CompletedProcess[str]:
        start = (now - timedelta(minutes=start_minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return qm(
            qm_env,
            "trigger",
            "evaluation",
            "-p",
            "gate",
            "-s",
            "dev",
            "--service",
            "cart",
            "--start",
            start,
            "--timeframe",
            "10m",
            "--watch",
            "--timeout",
            "50",
        )

    def history_of_cart() -> list[dict[str, Any]]:
        listed = qm(
            qm_env,
            "get",
            "evaluations",
            "-p",
            "gate",
            "-s",
            "dev",
            "--service",
            "cart",
            "-o",
            "json",
        )
        evaluations: list[dict[str, Any]] = json.loads(listed.stdout)["evaluations"]
        return evaluations

    measure(300, 25)  # first window: 30 to 20 minutes ago
    measure(400, 5)  # second window: 10 minutes ago to now
    first = gate(30)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "pass score 100.00" in first.stdout
    assert "Latency" in first.stdout
    # 400 > 300 + 10 %: the second run fails against the first.
    second = gate(10)
    assert second.returncode == 1, second.stdout + second.stderr
    assert "fail score 0.00" in second.stdout

    history = history_of_cart()
    assert [run["result"] for run in history] == ["fail", "pass"]
    assert history[0]["evaluation"]["comparedEvents"] == [history[1]["eventId"]]
    table = qm(qm_env, "get", "evaluations", "-p", "gate", "-s", "dev", "--service", "cart")
    for shown in ("Latency", "300", "400"):
        assert shown in table.stdout

    invalidated = qm(
        qm_env,
        "invalidate",
        "evaluation",
        "--id",
        history[1]["id"][:8],
        "-p",
        "gate",
        "-s",
        "dev",
        "--service",
        "cart",
    )
    assert invalidated.returncode == 0, invalidated.stderr
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listed = history_of_cart()
        if listed[1]["invalidated"]:
            break
        time.sleep(0.3)
    assert listed[1]["invalidated"]
    # Nothing to compare with any more: 400 < 500 passes.
    third = gate(10)
    assert third.returncode == 0, third.stdout + third.stderr
