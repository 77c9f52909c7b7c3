"""The uniform on the local runtime, driven as a user drives it (`qm` and Keptn's HTTP API):
a remote integration that speaks only Keptn's registration and polling API completes a task of
a real sequence and shows up in `qm get integrations` with its last-seen time and errors; a
`process` service runs a command on this machine; an `image` service is refused, saying how to
run it on AWS."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from qm.demo_lambda import create_function
from tests.e2e.emulator import emulator_of
from tests.e2e.keptn_remote_tool import SOURCE, RemoteTool

ROOT = Path(__file__).resolve().parents[2]
QM = str(Path(sys.executable).with_name("qm"))
pytestmark = pytest.mark.e2e
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: perf
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: load-test
            - name: release
"""
DEPLOY = "import os, sys; print('deployed', os.environ['KEPTN_SERVICE'], os.environ['IMAGE'])"
UNIFORM = f"""\
version: "0.2.0"
kind: Uniform
metadata:
  name: perf-tools
spec:
  services:
    - name: deployer
      kind: process
      command: [{json.dumps(sys.executable)}, -c, {json.dumps(DEPLOY)}]
      envFromEvent: {{IMAGE: "$.data.configurationChange.values.image"}}
      events:
        - name: sh.keptn.event.deployment.triggered
    - name: releaser
      image: ghcr.io/acme/release:1
      events:
        - name: sh.keptn.event.release.triggered
"""


@pytest.fixture(scope="module")
def qm_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = {**os.environ, "QM_HOME": str(tmp_path_factory.mktemp("qm-home"))}
    for name in ("QM_ENDPOINT", "QM_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    up = subprocess.run([QM, "local", "up"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stdout + up.stderr
    yield env
    subprocess.run([QM, "local", "down"], env=env, capture_output=True, text=True)


def qm(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QM, *arguments], env=env, capture_output=True, text=True, timeout=120)


def config(env: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((Path(env["QM_HOME"]) / "config.json").read_text())
    return found


def events_of(env: dict[str, str], context: str) -> list[dict[str, Any]]:
    local = config(env)
    answer = httpx.get(
        f"{local['endpoint']}/v1/event",
        params={"keptnContext": context, "pageSize": 100},
        headers={"x-token": local["token"]},
    )
    answer.raise_for_status()
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def wait_finished(env: dict[str, str], context: str, timeout: float = 90) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = events_of(env, context)
        if any(e["type"] == "sh.keptn.event.dev.delivery.finished" for e in found):
            return found
        time.sleep(0.5)
    raise AssertionError(f"the delivery {context} did not finish within {timeout} s")


def test_a_keptn_integration_and_the_uniforms_executors_carry_out_a_delivery(
    qm_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "shipyard.yaml").write_text(SHIPYARD)
    (tmp_path / "uniform.yaml").write_text(UNIFORM)
    assert (
        qm(
            qm_env, "create", "project", "perf", "--shipyard", str(tmp_path / "shipyard.yaml")
        ).returncode
        == 0
    )
    assert qm(qm_env, "create", "service", "cart", "--project", "perf").returncode == 0
    local = config(qm_env)
    tool = RemoteTool(local["endpoint"], local["token"], "load-test", "perf")
    worker = threading.Thread(target=tool.run, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while not tool.subscriptions and time.monotonic() < deadline:
            time.sleep(0.2)
        assert tool.subscriptions, "the integration did not register and ping"

        applied = qm(
            qm_env, "apply", "uniform", str(tmp_path / "uniform.yaml"), "--project", "perf"
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "applied at" in applied.stdout
        assert "have no executor" not in applied.stdout  # load-test: the integration's
        assert "the local runtime cannot run containers" in applied.stdout  # the warning

        sent = qm(
            qm_env,
            "trigger",
            "delivery",
            "--project",
            "perf",
            "--service",
            "cart",
            "--image",
            "carts:2.0",
        )
        assert sent.returncode == 0, sent.stderr
        context = sent.stdout.split("keptnContext", 1)[1].split()[0]
        found = wait_finished(qm_env, context)
    finally:
        tool.stop.set()
        worker.join(timeout=10)

    by_type = {e["type"].removeprefix("sh.keptn.event."): e for e in found}
    deployed = by_type["deployment.finished"]
    assert deployed["source"] == "quartermaster/deployer"
    assert deployed["data"]["result"] == "pass"
    assert "it printed: deployed cart carts:2.0" in deployed["data"]["message"]
    tested = by_type["load-test.finished"]
    assert tested["source"] == SOURCE
    assert tested["triggeredid"] in tool.answered
    released = by_type["release.finished"]
    assert (released["data"]["result"], released["data"]["status"]) == ("fail", "errored")
    assert "the local runtime cannot run containers at all" in released["data"]["message"]
    assert "deploy to AWS with QM_TASK_CLUSTER" in released["data"]["message"]

    listed = qm(qm_env, "get", "integrations", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    (integration,) = json.loads(listed.stdout)
    expected_id = hashlib.sha1(b"remote-load-tester-perf-ci-runner-3").hexdigest()
    assert integration["id"] == expected_id == tool.integration_id
    assert integration["metadata"]["lastseen"].startswith(time.strftime("%Y-%m-%d", time.gmtime()))
    assert integration["errors"]["count"] >= 1
    assert "answered slowly" in integration["errors"]["latest"]
    table = qm({**qm_env, "COLUMNS": "240"}, "get", "integrations").stdout
    assert SOURCE in table
    assert integration["metadata"]["lastseen"] in table

    shown = json.loads(qm(qm_env, "get", "uniform", "--project", "perf", "-o", "json").stdout)
    owners = {(s["origin"], s["owner"], s["kind"]) for s in shown["subscriptions"]}
    assert owners == {
        ("uniform", "deployer", "process"),
        ("uniform", "releaser", "image"),
        ("integration", SOURCE, "http-poll"),
    }
    assert shown["uncovered"] == []


def test_the_demos_uniform_carries_out_its_delivery(qm_env: dict[str, str]) -> None:
    """What `make demo` does: its uniform's process services carry out dev's and staging's
    tasks but the gate, reached through the uniform's rules; production's deployment and release
    are the deployer's (the demo's target.yaml), so applying the uniform reports no gap."""
    demo = ROOT / "qm" / "demo_files"
    assert (
        qm(
            qm_env, "create", "project", "demo", "--shipyard", str(demo / "shipyard.yaml")
        ).returncode
        == 0
    )
    assert qm(qm_env, "create", "service", "carts", "--project", "demo").returncode == 0
    applied = qm(qm_env, "apply", "uniform", str(demo / "uniform.yaml"), "--project", "demo")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    # Production's deployment and release are left to a target, which the project lacks yet.
    assert "stage production, sequence delivery: task deployment" in applied.stdout
    artifact = create_function(emulator_of(qm_env))
    added = qm(
        qm_env,
        "add-resource",
        "--project",
        "demo",
        "--stage",
        "production",
        "--service",
        "carts",
        "--resource",
        str(demo / "target.yaml"),
        "--resourceUri",
        "target.yaml",
    )
    assert added.returncode == 0, added.stdout + added.stderr
    shown = json.loads(qm(qm_env, "get", "uniform", "--project", "demo", "-o", "json").stdout)
    assert shown["uncovered"] == []

    sent = qm(
        qm_env,
        "trigger",
        "delivery",
        "-p",
        "demo",
        "--service",
        "carts",
        "--image",
        "carts:1",
        "--values",
        f"artifact={artifact}",
    )
    context = sent.stdout.split("keptnContext", 1)[1].split()[0]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        listed = qm(qm_env, "get", "approvals", "-p", "demo", "-o", "json")
        if listed.returncode == 0 and json.loads(listed.stdout)["events"]:
            break
        time.sleep(0.5)
    assert qm(qm_env, "approve", "-p", "demo", "-s", "production", "-m", "ship it").returncode == 0
    # The canary's three steps bake 10 s each (no SLO file in production: bake times alone).
    deadline = time.monotonic() + 120
    finished: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not finished:
        finished = [
            e
            for e in events_of(qm_env, context)
            if e["type"] == "sh.keptn.event.production.delivery.finished"
        ]
        time.sleep(0.5)

    assert finished
    assert finished[0]["data"]["result"] == "pass"
    answers = {
        (e["data"]["stage"], e["type"].removeprefix("sh.keptn.event.")): e["source"]
        for e in events_of(qm_env, context)
        if e["type"].endswith(".finished") and e["type"].count(".") == 4
    }
    assert answers[("dev", "deployment.finished")] == "quartermaster/deployer"
    assert answers[("staging", "test.finished")] == "quartermaster/tester"
    assert answers[("staging", "release.finished")] == "quartermaster/releaser"
    assert answers[("production", "deployment.finished")] == "quartermaster-deployer"
    assert answers[("production", "release.finished")] == "quartermaster-deployer"
    assert answers[("staging", "evaluation.finished")] == "lighthouse-service"
