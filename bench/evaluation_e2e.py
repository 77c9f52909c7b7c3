"""A 90-SLI quality gate through the embedded runtime, end to end.

`qm local up` in a temporary home; a project whose service has 90 objectives measured by the
built-in CloudWatch provider (90 metrics put into the emulator); then, for each run, the time
from `POST .../evaluation` to `evaluation.finished` being stored, with the share of each step
(taken from the events' own timestamps). The first run also pays for loading the handlers'
code; later runs compare with up to 3 earlier evaluations (several_results).

    python bench/evaluation_e2e.py [--runs 5] [--slis 90]
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHIPYARD = """\
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
STEPS = (
    ("evaluation.triggered", "dev.evaluation.triggered -> evaluation.triggered"),
    ("get-sli.triggered", "evaluation.triggered -> get-sli.triggered"),
    ("get-sli.finished", "get-sli.triggered -> get-sli.finished (CloudWatch)"),
    ("evaluation.finished", "get-sli.finished -> evaluation.finished (scoring)"),
)


def _slo(slis: int) -> str:
    lines = ['spec_version: "1.0"', "comparison: {compare_with: several_results}", "objectives:"]
    for n in range(slis):
        lines += [
            f"  - sli: sli_{n}",
            "    pass:",
            '      - criteria: ["<=+10%", "<1000"]',
            "    warning:",
            '      - criteria: ["<=2000"]',
        ]
    lines.append('total_score: {pass: "90%", warning: "75%"}')
    return "\n".join(lines) + "\n"


def _sli(slis: int) -> str:
    lines = ["indicators:"]
    for n in range(slis):
        query = (
            f'{{"namespace": "Bench", "metric": "M{n}", '
            f'"dimensions": {{"Service": "$SERVICE"}}, "stat": "Average"}}'
        )
        lines.append(f"  sli_{n}: '{query}'")
    return "\n".join(lines) + "\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _time(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slis", type=int, default=90)
    options = parser.parse_args()

    import httpx

    os.environ["QM_HOME"] = tempfile.mkdtemp(prefix="qm-bench-")
    from qm.local import control

    state = control.up()
    try:
        cloudwatch = control.emulator_client(state, "cloudwatch")
        api = httpx.Client(
            base_url=state["endpoint"], headers={"x-token": state["token"]}, timeout=30
        )
        api.post("/v1/project", json={"name": "gate", "shipyard": _b64(SHIPYARD)})
        api.post("/v1/project/gate/service", json={"serviceName": "svc"}).raise_for_status()
        files = [("slo.yaml", _slo(options.slis)), ("cloudwatch/sli.yaml", _sli(options.slis))]
        api.post(
            "/v1/project/gate/stage/dev/service/svc/resource",
            json={
                "resources": [
                    {"resourceURI": uri, "resourceContent": _b64(text)} for uri, text in files
                ]
            },
        ).raise_for_status()
        api.put("/v1/project/gate/monitoring", json={"provider": "cloudwatch"}).raise_for_status()
        now = datetime.now(UTC)
        dimensions = [{"Name": "Service", "Value": "svc"}]
        metrics = [
            {
                "MetricName": f"M{n}",
                "Dimensions": dimensions,
                "Timestamp": now - timedelta(minutes=2),
                "Value": 100.0 + n,
            }
            for n in range(options.slis)
        ]
        for first in range(0, len(metrics), 20):  # PutMetricData takes 1000, moto less
            cloudwatch.put_metric_data(Namespace="Bench", MetricData=metrics[first : first + 20])

        totals: list[float] = []
        steps: dict[str, list[float]] = {label: [] for _, label in STEPS}
        for run in range(options.runs):
            sent = time.perf_counter()
            answer = api.post(
                "/v1/project/gate/stage/dev/service/svc/evaluation", json={"timeframe": "10m"}
            )
            answer.raise_for_status()
            context = answer.json()["keptnContext"]
            finished = _wait_finished(api, context)
            totals.append(time.perf_counter() - sent)
            events = api.get("/v1/event", params={"keptnContext": context, "pageSize": 100})
            by_type = {
                e["type"].removeprefix("sh.keptn.event."): e for e in events.json()["events"]
            }
            previous = by_type["dev.evaluation.triggered"]
            for kind, label in STEPS:
                steps[label].append((_time(by_type[kind]) - _time(previous)).total_seconds())
                previous = by_type[kind]
            data = finished["data"]
            print(
                f"run {run + 1}: {totals[-1] * 1000:7.0f} ms  result {data['result']}, "
                f"score {data['evaluation']['score']:.1f}, "
                f"{len(data['evaluation']['indicatorResults'])} indicator results, "
                f"{len(data['evaluation'].get('comparedEvents', []))} compared evaluations"
            )
    finally:
        control.down()

    warm = totals[1:] or totals
    print(f"\n{options.slis}-SLI evaluation, trigger -> evaluation.finished stored:")
    print(f"  first run (code loading):  {totals[0] * 1000:.0f} ms")
    print(f"  median of the others:     {statistics.median(warm) * 1000:.0f} ms")
    print("  median per step (event timestamps):")
    for _, label in STEPS:
        print(
            f"    {label:<55} {statistics.median(steps[label][1:] or steps[label]) * 1000:6.0f} ms"
        )


def _wait_finished(api: Any, context: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page = api.get(
            "/v1/event",
            params={"keptnContext": context, "type": "sh.keptn.event.evaluation.finished"},
        ).json()
        if page["events"]:
            found: dict[str, Any] = page["events"][0]
            return found
        time.sleep(0.02)
    raise TimeoutError(f"no evaluation.finished for {context} within {timeout_s:.0f} s")


if __name__ == "__main__":
    main()
