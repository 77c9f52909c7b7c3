"""End to end: a Lambda canary on the local runtime, driven by `qm` as a user would, gated by
the emulator's CloudWatch metrics, then `qm get service` says what runs where."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qm.demo_lambda import LambdaTraffic, create_function
from tests.e2e.emulator import emulator_of

ROOT = Path(__file__).resolve().parents[2]
QM = str(Path(sys.executable).with_name("qm"))
DEMO = ROOT / "qm" / "demo_files"
pytestmark = pytest.mark.e2e
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {name: lambda}
spec:
  stages:
    - name: production
      sequences:
        - name: delivery
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: canary
                steps: [25, 100]
                interval: 3s
            - name: release
"""


@pytest.fixture(scope="module")
def qm_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("qm-home")
    env = {**os.environ, "QM_HOME": str(home)}
    for name in ("QM_ENDPOINT", "QM_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    up = subprocess.run([QM, "local", "up"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stdout + up.stderr
    yield env
    subprocess.run([QM, "local", "down"], env=env, capture_output=True, text=True)


def qm(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QM, *arguments], env=env, capture_output=True, text=True, timeout=120)


def test_a_canary_on_the_local_runtime_is_gated_and_shows_what_runs(
    qm_env: dict[str, str], tmp_path: Path
) -> None:
    client = emulator_of(qm_env)
    artifact = create_function(client)
    shipyard = tmp_path / "shipyard.yaml"
    shipyard.write_text(SHIPYARD)
    assert qm(qm_env, "create", "project", "lambda", "--shipyard", str(shipyard)).returncode == 0
    assert qm(qm_env, "create", "service", "carts", "--project", "lambda").returncode == 0
    for resource, uri in (
        ("target.yaml", "target.yaml"),
        ("lambda_slo.yaml", "slo.yaml"),
        ("lambda_sli.yaml", "cloudwatch/sli.yaml"),
    ):
        added = qm(
            qm_env,
            "add-resource",
            "-p",
            "lambda",
            "-s",
            "production",
            "--service",
            "carts",
            "--resource",
            str(DEMO / resource),
            "--resourceUri",
            uri,
        )
        assert added.returncode == 0, added.stderr
    assert qm(qm_env, "configure", "monitoring", "cloudwatch", "-p", "lambda").returncode == 0
    traffic = LambdaTraffic(client)
    traffic.start()
    try:
        watched = qm(
            qm_env,
            "trigger",
            "delivery",
            "-p",
            "lambda",
            "--service",
            "carts",
            "--image",
            "carts:0.13.3",
            "--values",
            f"artifact={artifact}",
            "--watch",
            "--timeout",
            "100",
        )
    finally:
        traffic.stop()
    assert watched.returncode == 0, watched.stdout + watched.stderr
    alias = client("lambda").get_alias(FunctionName="carts", Name="live")
    assert (alias["FunctionVersion"], alias.get("RoutingConfig") or {}) in (
        ("2", {}),
        ("2", {"AdditionalVersionWeights": {}}),
    )
    shown = qm({**qm_env, "COLUMNS": "200"}, "get", "service", "carts", "-p", "lambda")
    assert shown.returncode == 0, shown.stderr
    assert "2 carts:0.13.3 (canary)" in shown.stdout
    answer = json.loads(qm(qm_env, "get", "service", "carts", "-p", "lambda", "-o", "json").stdout)
    service = answer["stages"][0]["services"][0]
    assert service["deployment"]["source"] == "quartermaster-deployer"
    assert service["previousDeployment"]["version"] == "1"
    evaluations = json.loads(
        qm(
            qm_env,
            "get",
            "evaluations",
            "-p",
            "lambda",
            "-s",
            "production",
            "--service",
            "carts",
            "-o",
            "json",
        ).stdout
    )
    canary = [e for e in evaluations["evaluations"] if "canary" in e.get("evaluation", {})]
    assert [e["result"] for e in canary] == ["pass"]
    assert canary[0]["evaluation"]["score"] == 100
