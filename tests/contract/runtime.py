"""The embedded runtime the contract tests run against: started with `qm local up` in a
QM_HOME of its own, seeded with a project so routes with path parameters reach real data."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT

QM = str(Path(sys.executable).with_name("qm"))
EXAMPLE = PROJECT_ROOT / "examples" / "delivery"
PROJECT, STAGE, SERVICE = "shop", "dev", "cart"
SCOPE = "keptn-webhook-service"


@dataclass(frozen=True)
class Runtime:
    endpoint: str
    token: str
    keptn_context: str  # a run of the seeded project


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def seed(endpoint: str, token: str) -> str:
    """The seeded data: project shop (the delivery example), service cart with an SLO file,
    a secret, a monitoring setting, and one delivery run; returns the run's keptn context."""
    slo = _b64(EXAMPLE / "slo.yaml")
    with httpx.Client(base_url=endpoint, headers={"x-token": token}, timeout=30) as client:
        steps = [
            ("POST", "/v1/project", {"name": PROJECT, "shipyard": _b64(EXAMPLE / "shipyard.yaml")}),
            ("POST", f"/v1/project/{PROJECT}/service", {"serviceName": SERVICE}),
            (
                "POST",
                f"/v1/project/{PROJECT}/stage/{STAGE}/service/{SERVICE}/resource",
                {"resources": [{"resourceURI": "slo.yaml", "resourceContent": slo}]},
            ),
            ("POST", "/v1/secret", {"name": "slack", "scope": SCOPE, "data": {"token": "t"}}),
            ("PUT", f"/v1/project/{PROJECT}/monitoring", {"provider": "cloudwatch"}),
        ]
        for method, path, body in steps:
            answer = client.request(method, path, json=body)
            assert answer.status_code < 300, f"seeding {method} {path}: {answer.text}"
        sent = client.post(
            "/v1/event",
            json={
                "specversion": "1.0",
                "source": "contract-test",
                "type": f"sh.keptn.event.{STAGE}.delivery.triggered",
                "data": {"project": PROJECT, "stage": STAGE, "service": SERVICE},
            },
        )
        assert sent.status_code == 200, sent.text
        context: str = sent.json()["keptnContext"]
        return context


@contextmanager
def running(home: Path) -> Iterator[Runtime]:
    env = {**os.environ, "QM_HOME": str(home)}
    for name in ("QM_ENDPOINT", "QM_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    up = subprocess.run([QM, "local", "up"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        config = json.loads((home / "config.json").read_text())
        endpoint, token = config["endpoint"], config["token"]
        yield Runtime(endpoint, token, seed(endpoint, token))
    finally:
        subprocess.run([QM, "local", "down"], env=env, capture_output=True, text=True, timeout=60)
