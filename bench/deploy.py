"""What a Lambda deployment costs the control plane.

1. Work per canary, in-process on moto with every boto3 call counted (botocore `before-call`):
   a three-step canary (10%, 50%, then 100%) of a Lambda function, each step gated by an SLO of
   two CloudWatch SLIs. AWS API calls by who makes them, Step Functions state transitions (the
   canary's execution and the sequence's), handler invocations, and the AWS list-price cost of
   one canary from those counts.
2. Latency, on the embedded runtime (`qm local up` in a temporary home): the control-plane time
   of a `direct` deployment, from its `deployment.triggered` to its `deployment.finished` (the
   events' own timestamps: the dispatcher's send to the deployer's answer), as a ratio to a bare
   `UpdateAlias` round trip from this process to the same emulator, measured in the same run.

    python bench/deploy.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy_work import TARGET, b64, measure_canary, shipyard  # noqa: E402

# -- 2. latency on the embedded runtime -----------------------------------------------------


def measure_direct(runs: int) -> tuple[float, float, float, float, int]:
    """(median triggered -> finished ms, median UpdateAlias round trip ms, median bus round trip
    ms, median bare deployment ms, deployments)."""
    import boto3
    import httpx

    os.environ["QM_HOME"] = tempfile.mkdtemp(prefix="qm-bench-")
    from qm.demo_lambda import BUCKET, create_function, package
    from qm.local import control

    state = control.up()
    try:
        os.environ.update(
            AWS_ENDPOINT_URL=state["aws_endpoint"],
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            AWS_DEFAULT_REGION="us-east-1",
        )
        create_function(boto3.client)
        lam, s3 = boto3.client("lambda"), boto3.client("s3")
        api = httpx.Client(
            base_url=state["endpoint"], headers={"x-token": state["token"]}, timeout=30
        )
        api.post(
            "/v1/project", json={"name": "bench", "shipyard": b64(shipyard("direct"))}
        ).raise_for_status()
        api.post("/v1/project/bench/service", json={"serviceName": "carts"}).raise_for_status()
        api.post(
            "/v1/project/bench/resource",
            json={"resources": [{"resourceURI": "target.yaml", "resourceContent": b64(TARGET)}]},
        ).raise_for_status()

        round_trips = []
        for _ in range(30):
            sent = time.perf_counter()
            lam.update_alias(FunctionName="carts", Name="live", FunctionVersion="1")
            round_trips.append(time.perf_counter() - sent)
        bus_trips = _bus_round_trips(boto3.client("sqs"), boto3.client("events"))
        bare = _bare_deployments(lam, s3, runs)

        durations = []
        for run in range(runs):
            key = f"carts/bench-{run}.zip"
            s3.put_object(Bucket=BUCKET, Key=key, Body=package(f"bench-{run}"))
            context = api.post(
                "/v1/event",
                json={
                    "specversion": "1.0",
                    "source": "bench",
                    "type": "sh.keptn.event.prod.delivery.triggered",
                    "data": {
                        "project": "bench",
                        "stage": "prod",
                        "service": "carts",
                        "configurationChange": {"values": {"artifact": f"s3://{BUCKET}/{key}"}},
                    },
                },
            ).json()["keptnContext"]
            times = _wait_deployment(api, context)
            durations.append(times[1] - times[0])
        return (
            statistics.median(durations) * 1000,
            statistics.median(round_trips) * 1000,
            statistics.median(bus_trips) * 1000,
            statistics.median(bare) * 1000,
            runs,
        )
    finally:
        control.down()


def _bare_deployments(lam: Any, s3: Any, count: int) -> list[float]:
    """The Lambda and S3 calls a direct deployment cannot do without, made one after another
    from this process: check the artifact, update the code from it, publish, move the alias."""
    from qm.demo_lambda import BUCKET, package

    durations = []
    for n in range(count):
        key = f"carts/bare-{n}.zip"
        s3.put_object(Bucket=BUCKET, Key=key, Body=package(f"bare-{n}"))
        sent = time.perf_counter()
        s3.head_object(Bucket=BUCKET, Key=key)
        lam.update_function_code(FunctionName="carts", S3Bucket=BUCKET, S3Key=key)
        version = lam.publish_version(FunctionName="carts", Description=f"bare-{n}")["Version"]
        lam.update_alias(FunctionName="carts", Name="live", FunctionVersion=version)
        durations.append(time.perf_counter() - sent)
    return durations


def _bus_round_trips(sqs: Any, events: Any, count: int = 30) -> list[float]:
    """Bare EventBridge -> SQS round trips on the emulator, received as the local dispatcher
    receives (long polling): how the .triggered reaches the deployer."""
    url: str = sqs.create_queue(QueueName="bench-echo")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    bus = "quartermaster-local"
    events.put_rule(
        Name="bench-echo", EventBusName=bus, EventPattern=json.dumps({"detail-type": ["ping"]})
    )
    events.put_targets(
        Rule="bench-echo", EventBusName=bus, Targets=[{"Id": "echo", "Arn": arn["QueueArn"]}]
    )
    trips = []
    for n in range(count):
        sent = time.perf_counter()
        entry = {"Source": "bench", "DetailType": "ping", "Detail": json.dumps({"n": n})}
        events.put_events(Entries=[{**entry, "EventBusName": bus}])
        while True:
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1
            ).get("Messages", [])
            if messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
                break
        trips.append(time.perf_counter() - sent)
    return trips


def _wait_deployment(api: Any, context: str, timeout_s: float = 60) -> tuple[float, float]:
    """The timestamps of the run's deployment.triggered and deployment.finished, in seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        events = api.get("/v1/event", params={"keptnContext": context, "pageSize": 100}).json()
        stamps = {e["type"]: e["time"] for e in events["events"]}
        triggered = stamps.get("sh.keptn.event.deployment.triggered")
        finished = stamps.get("sh.keptn.event.deployment.finished")
        if triggered and finished:
            return _seconds(triggered), _seconds(finished)
        time.sleep(0.05)
    raise TimeoutError(f"run {context}: no deployment.finished within {timeout_s} s")


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# -- report ------------------------------------------------------------------------------

# US East list prices, late 2026. Lambda's control-plane API (UpdateAlias, PublishVersion, ...)
# and STS are free; GetMetricData bills per metric requested.
PRICES = {
    "transition": 0.025 / 1000,
    "dynamodb_write": 1.25 / 1e6,
    "dynamodb_read": 0.25 / 1e6,
    "event": 1.00 / 1e6,
    "sqs": 0.40 / 1e6,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s": 0.0000166667,
    "metric_requested": 0.01 / 1000,
}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def main() -> None:
    import logging

    # moto's Step Functions interpreter logs every JSONPath a Choice finds absent.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="direct deployments to time")
    arguments = parser.parse_args()

    calls, invocations, transitions, message, direct_calls = measure_canary()
    calls = Counter(
        {key: n for key, n in calls.items() if not key[0].startswith(("setup", "api (setup"))}
    )
    print("A three-step Lambda canary (10%, 50%, then 100%), two CloudWatch SLIs per step:")
    print(f"  outcome: {message[:160]}...")
    by_actor: Counter[str] = Counter()
    for (actor, _, _), n in calls.items():
        by_actor[actor] += n
    print(f"  AWS API calls: {sum(calls.values())}, by who makes them:")
    for actor, n in by_actor.most_common():
        operations = ", ".join(f"{op} {c}" for (a, _, op), c in sorted(calls.items()) if a == actor)
        print(f"    {actor:<26} {n:4d}  ({operations})")
    print(
        "  state transitions: "
        + ", ".join(f"{kind} {n}" for kind, n in sorted(transitions.items()))
        + f" (total {sum(transitions.values())})"
    )
    print(
        "  handler invocations: "
        + ", ".join(f"{name} {n}" for name, n in invocations.most_common() if n)
        + f" (total {sum(invocations.values())})"
    )

    def total(predicate: Any) -> int:
        return sum(n for key, n in calls.items() if predicate(*key))

    lambda_requests = sum(invocations.values()) + 1  # + the API's intake of the trigger
    usage = {
        "transition": sum(transitions.values()),
        "dynamodb_write": total(lambda a, s, op: s == "dynamodb" and op in WRITES),
        "dynamodb_read": total(lambda a, s, op: s == "dynamodb" and op not in WRITES),
        "event": total(lambda a, s, op: op == "PutEvents"),
        # Ours and the machines', plus Lambda's own receive and delete per queue-fed invocation.
        "sqs": total(lambda a, s, op: s == "sqs") + 2 * sum(invocations.values()),
        "lambda_request": lambda_requests,
        "metric_requested": 2 * 2,  # two SLIs, two evaluations
    }
    # 256 MB functions, ~100 ms per invocation.
    compute = lambda_requests * 0.25 * 0.1 * PRICES["lambda_gb_s"]
    cost = sum(usage[key] * PRICES[key] for key in usage) + compute
    print(f"  AWS list-price cost of one canary, run included: ${cost:.6f}")
    print(f"    (1,000 canaries: ${cost * 1000:.2f})")
    for key, value in usage.items():
        print(f"    {key:<17} {value:6d}")
    print("    (plus the events table's index writes: up to 7 write units per event)")

    deploy_ms, alias_ms, bus_ms, bare_ms, runs = measure_direct(arguments.runs)
    deployer = direct_calls["deployer"]
    print(
        f"\ndirect deployment, deployment.triggered -> .finished  median {deploy_ms:7.1f} ms "
        f"over {runs} deployments"
    )
    print(
        f"bare UpdateAlias round trip on the same emulator       median {alias_ms:7.1f} ms "
        "over 30 calls"
    )
    print(f"ratio: {deploy_ms / alias_ms:.1f}")
    floor = bus_ms + deployer * alias_ms
    print(
        f"  the deployer makes {deployer} AWS calls for it (counted above, on moto), after the "
        f"bus brought it the .triggered (a bare EventBridge -> SQS round trip here: "
        f"{bus_ms:.1f} ms): that floor is {floor:.1f} ms, a ratio of {floor / alias_ms:.1f}; "
        f"measured / floor: {deploy_ms / floor:.2f}"
    )
    print(
        f"the same deployment's S3 and Lambda calls made bare (HeadObject, UpdateFunctionCode, "
        f"PublishVersion, UpdateAlias)  median {bare_ms:7.1f} ms; with the bus round trip: "
        f"{bare_ms + bus_ms:.1f} ms, a ratio of {deploy_ms / (bare_ms + bus_ms):.2f} (what the "
        "control plane adds: its records, the .started and .finished, idempotency checks)"
    )


if __name__ == "__main__":
    main()
