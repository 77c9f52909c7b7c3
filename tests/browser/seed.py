"""What the browser tests look at, made through the public API as users and tools make it:
the demo's delivery (dev, staging with a quality gate on CloudWatch, an approval before
production) answered by the sample tool, more quality gates with their own builds, and a
project whose task nobody answers (a run that waits, and a second one queued behind it).
(A blue/green service answered by a registered integration: tests/browser/storefront.py.)"""

from __future__ import annotations

import base64
import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
DELIVERY = "sockshop"
SERVICE = "carts"
STAGE = "staging"
HOLD = "ops"
HOLD_SHIPYARD = """apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {name: ops}
spec:
  stages:
    - name: prod
      sequences:
        - name: hotfix
          tasks:
            - name: manual-check
"""
# The delivery's uniform: the sample tool (qm/local/sample_tool.py) carries out deployment, test,
# release and rollback. It subscribes itself, with a rule of its own on the bus; an `http-poll`
# service puts no rule on the bus, so it names the tool as those tasks' executor without a
# second delivery. Evaluation (on CloudWatch) and approval are Quartermaster's own.
UNIFORM = """version: "0.2.0"
kind: Uniform
metadata:
  name: sockshop-tools
spec:
  services:
    - name: sample-tool
      kind: http-poll
      events:
        - name: sh.keptn.event.deployment.triggered
        - name: sh.keptn.event.test.triggered
          selector:
            matchExpressions:
              - {key: stage, operator: In, values: [dev, staging]}
        - name: sh.keptn.event.release.triggered
        - name: sh.keptn.event.rollback.triggered
"""
# Response time (ms, the SLO passes under 600 and within +10% of the last pass, warns up to
# 800) and error rate (%, a key SLI: at most 1) of each build's window.
BUILDS = (
    ("2.0.0", 300.0, 0.3),
    ("2.0.1", 320.0, 0.2),
    ("2.0.2", 700.0, 0.4),
    ("2.0.3", 310.0, 2.5),
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 90, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def _resource(api: httpx.Client, path: str, uri: str, content: str) -> None:
    body = {"resources": [{"resourceURI": uri, "resourceContent": b64(content)}]}
    api.post(f"{path}/resource", json=body).raise_for_status()


def create_delivery_project(api: httpx.Client) -> None:
    shipyard = (ROOT / "qm" / "demo_files" / "shipyard.yaml").read_text()
    api.post("/v1/project", json={"name": DELIVERY, "shipyard": b64(shipyard)}).raise_for_status()
    api.post(f"/v1/project/{DELIVERY}/service", json={"serviceName": SERVICE}).raise_for_status()
    for stage in (STAGE, "dev"):
        scope = f"/v1/project/{DELIVERY}/stage/{stage}/service/{SERVICE}"
        slo = (ROOT / "examples" / "delivery" / "slo.yaml").read_text()
        _resource(api, scope, "slo.yaml", slo)
        sli = (ROOT / "qm" / "demo_files" / "sli.yaml").read_text()
        _resource(api, scope, "cloudwatch/sli.yaml", sli)
    api.put(
        f"/v1/project/{DELIVERY}/monitoring", json={"provider": "cloudwatch"}
    ).raise_for_status()
    applied = apply_uniform(api, DELIVERY, UNIFORM)
    assert applied["uncovered"] == [], applied["uncovered"]


def apply_uniform(api: httpx.Client, project: str, uniform: str) -> dict[str, Any]:
    """Apply `uniform` to `project` (as `qm apply uniform` does): its answer, once the applier
    has put that commit's rules on the bus."""
    answer = api.put(f"/v1/project/{project}/uniform", json={"uniform": b64(uniform)})
    answer.raise_for_status()
    commit = answer.json()["commitID"]

    def applied() -> bool:
        state = api.get(f"/v1/project/{project}/uniform").json()
        done = bool((state.get("applied") or {}).get("commitID") == commit)
        assert not (done and state["applied"]["errors"]), state["applied"]
        return done

    wait_for(f"the uniform of {project} applied", applied, timeout=30)
    found: dict[str, Any] = answer.json()
    return found


def put_metrics(
    cloudwatch: Any, start: datetime, response_ms: float, error_rate: float, stage: str = STAGE
) -> None:
    dimensions = [{"Name": "Service", "Value": SERVICE}, {"Name": "Stage", "Value": stage}]
    samples = {"ResponseTime": response_ms, "ErrorRate": error_rate, "Requests": 120.0}
    cloudwatch.put_metric_data(
        Namespace="Sockshop",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": start + timedelta(seconds=30),
                "Value": value,
            }
            for name, value in samples.items()
        ],
    )


def put_current_metrics(cloudwatch: Any) -> None:
    """What carts reports during the delivery's own quality gate (its last five minutes): within
    10% of the last passing build's response time, so the gate passes."""
    now = datetime.now(UTC)
    for minutes_ago, response_ms in ((4, 300.0), (3, 330.0), (2, 325.0)):
        put_metrics(cloudwatch, now - timedelta(minutes=minutes_ago, seconds=30), response_ms, 0.3)


def _evaluated(api: httpx.Client, scope: str, count: int) -> bool:
    return len(api.get(scope, params={"limit": 50}).json()["evaluations"]) >= count


def evaluate_builds(
    api: httpx.Client, cloudwatch: Any, stage: str = STAGE, builds: tuple[Any, ...] = BUILDS
) -> list[str]:
    """One quality gate per build, each over a window of its own; their keptn contexts."""
    scope = f"/v1/project/{DELIVERY}/stage/{stage}/service/{SERVICE}/evaluation"
    first = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    contexts = []
    for index, (build, response_ms, error_rate) in enumerate(builds):
        start = first + timedelta(minutes=10 * index)
        put_metrics(cloudwatch, start, response_ms, error_rate, stage)
        body = {
            "start": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "end": (start + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "labels": {"buildId": build},
        }
        answer = api.post(scope, json=body)
        answer.raise_for_status()
        contexts.append(answer.json()["keptnContext"])
        # One at a time: each compares with the ones before it.
        wait_for(f"evaluation of {build}", functools.partial(_evaluated, api, scope, index + 1))
    return contexts


def trigger_delivery(api: httpx.Client, image: str, build: str) -> str:
    event = {
        "specversion": "1.0",
        "source": "browser-tests",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "data": {
            "project": DELIVERY,
            "stage": "dev",
            "service": SERVICE,
            "configurationChange": {"values": {"image": image}},
            "labels": {"buildId": build},
        },
    }
    answer = api.post("/v1/event", json=event)
    answer.raise_for_status()
    return str(answer.json()["keptnContext"])


def open_approvals(api: httpx.Client) -> list[dict[str, Any]]:
    answer = api.get(
        "/v1/event/triggered/sh.keptn.event.approval.triggered", params={"project": DELIVERY}
    )
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def create_hold_project(api: httpx.Client) -> tuple[str, str]:
    """Two hotfix runs of one service: the first waits on a task nobody answers, the second is
    queued behind it. Their keptn contexts."""
    api.post("/v1/project", json={"name": HOLD, "shipyard": b64(HOLD_SHIPYARD)}).raise_for_status()
    api.post(f"/v1/project/{HOLD}/service", json={"serviceName": "api"}).raise_for_status()
    contexts = []
    for n in range(2):
        event = {
            "specversion": "1.0",
            "source": "browser-tests",
            "type": "sh.keptn.event.prod.hotfix.triggered",
            "data": {"project": HOLD, "stage": "prod", "service": "api", "labels": {"n": str(n)}},
        }
        answer = api.post("/v1/event", json=event)
        answer.raise_for_status()
        contexts.append(str(answer.json()["keptnContext"]))
        if n == 0:
            wait_for(
                "the first hotfix's task",
                lambda: api.get(
                    "/v1/event/triggered/sh.keptn.event.manual-check.triggered",
                    params={"project": HOLD},
                ).json()["events"],
            )
    return contexts[0], contexts[1]


def sequence_state(api: httpx.Client, project: str, context: str) -> dict[str, Any]:
    states = api.get(f"/v1/sequence/{project}", params={"keptnContext": context}).json()["states"]
    return states[0] if states else {}
