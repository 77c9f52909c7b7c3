"""How fast and how cheaply a sequence moves from one task to the next.

1. Latency, on the embedded runtime (`qm local up` in a temporary home): a tool subscribed
   through the bus answers a 10-task sequence; for each task, the time from its `.finished`
   being accepted by the API to the next task's `.triggered` reaching the tool, as a ratio to
   three bare EventBridge -> SQS round trips measured on the same emulator between the runs
   (the transports the hop crosses; target: at most 1.3). The tool and the round trip receive
   alike: long polling, as the sample tool and Lambda's event source mappings do.
   `bench/hop_profile.py` breaks the hop down call by call.
2. Work per task, in-process on moto with every boto3 call counted (botocore `before-call`):
   Step Functions state transitions per task from the execution history (target: at most 3)
   and AWS API calls per task, by who makes them (target: at most 8), then the AWS list-price
   cost of 1,000 three-stage deliveries (the demo's shipyard: 8 tasks) from those counts.

    python bench/hop.py [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextvars import ContextVar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TASKS = [f"step-{n}" for n in range(10)]
SHIPYARD = "\n".join(
    [
        "apiVersion: spec.keptn.sh/0.2.3",
        "kind: Shipyard",
        "metadata: {name: bench}",
        "spec:",
        "  stages:",
        "    - name: dev",
        "      sequences:",
        "        - name: hop",
        "          tasks:",
        *[f"            - name: {task}" for task in TASKS],
    ]
)
WAIT_S = 1  # long polling: the emulator answers a waiting receive as soon as a message lands
BARE_TRIPS_PER_RUN = 10


# -- 1. latency on the embedded runtime ----------------------------------------------------


def _receive(sqs: Any, url: str, timeout_s: float = 30.0) -> dict[str, Any]:
    """The next message of `url`, deleted. The tool and the bare round trip both receive
    with this, so the ratio compares like with like."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=WAIT_S
        ).get("Messages", [])
        if messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            body: dict[str, Any] = json.loads(messages[0]["Body"])
            return body
    raise TimeoutError("nothing arrived within 30 s")


def trigger_event(event_id: str) -> dict[str, Any]:
    """A trigger of the bench's 10-task sequence."""
    return {
        "specversion": "1.0",
        "source": "bench",
        "id": event_id,
        "type": "sh.keptn.event.dev.hop.triggered",
        "data": {"project": "bench", "stage": "dev", "service": "svc"},
    }


def answer_event(triggered: dict[str, Any], phase: str) -> dict[str, Any]:
    """The tool's `.started` or `.finished` (passed) for a task's `.triggered`."""
    task = triggered["type"].split(".")[3]
    return {
        "specversion": "1.0",
        "source": "bench-tool",
        "type": f"sh.keptn.event.{task}.{phase}",
        "shkeptncontext": triggered["shkeptncontext"],
        "triggeredid": triggered["id"],
        "data": {
            **{k: triggered["data"][k] for k in ("project", "stage", "service")},
            "result": "pass",
            "status": "succeeded",
        },
    }


def _subscribe(sqs: Any, events: Any, bus: str, name: str, pattern: dict[str, Any]) -> str:
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": name, "Arn": arn["QueueArn"]}])
    return url


def measure_latency(runs: int) -> tuple[float, float, int]:
    """(median hop ms, median bare round trip ms, hops measured) on the embedded runtime."""
    import boto3
    import httpx

    os.environ["QM_HOME"] = tempfile.mkdtemp(prefix="qm-bench-")
    from qm.local import control

    state = control.up()
    try:
        os.environ.update(
            AWS_ENDPOINT_URL=state["aws_endpoint"],
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            AWS_DEFAULT_REGION="us-east-1",
        )
        sqs, events = boto3.client("sqs"), boto3.client("events")
        bus = "quartermaster-local"
        api = httpx.Client(base_url=state["endpoint"], headers={"x-token": state["token"]})
        shipyard = base64.b64encode(SHIPYARD.encode()).decode()
        api.post("/v1/project", json={"name": "bench", "shipyard": shipyard}).raise_for_status()
        api.post("/v1/project/bench/service", json={"serviceName": "svc"}).raise_for_status()
        inbox = _subscribe(
            sqs,
            events,
            bus,
            "bench-tool",
            {"detail-type": [f"sh.keptn.event.{t}.triggered" for t in TASKS]},
        )
        echo = _subscribe(sqs, events, bus, "bench-echo", {"detail-type": ["bench.ping"]})

        round_trips: list[float] = []

        def bare_round_trips(count: int) -> None:
            for _ in range(count):
                sent = time.perf_counter()
                ping = {"n": len(round_trips)}
                entry = {"Source": "bench", "DetailType": "bench.ping", "Detail": json.dumps(ping)}
                events.put_events(Entries=[{**entry, "EventBusName": bus}])
                _receive(sqs, echo)
                round_trips.append(time.perf_counter() - sent)

        hops = []
        for run in range(runs):
            # Side by side: the round trips are measured between the runs, not all before.
            bare_round_trips(BARE_TRIPS_PER_RUN)
            api.post("/v1/event", json=trigger_event(f"run-{run}")).raise_for_status()
            finished_at: float | None = None
            for _ in TASKS:
                triggered = _receive(sqs, inbox)["detail"]
                if finished_at is not None:
                    hops.append(time.perf_counter() - finished_at)
                for phase in ("started", "finished"):
                    api.post("/v1/event", json=answer_event(triggered, phase)).raise_for_status()
                finished_at = time.perf_counter()
        return statistics.median(hops) * 1000, statistics.median(round_trips) * 1000, len(hops)
    finally:
        control.down()


# -- 2. work per task, counted in-process on moto --------------------------------------------

ACTOR: ContextVar[str] = ContextVar("actor", default="setup")


def measure_work() -> tuple[float, Counter[tuple[str, str, str]], Counter[str], int]:
    """(state transitions per task, AWS calls by (actor, service, operation), handler
    invocations by handler, tasks run)."""
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    calls: Counter[tuple[str, str, str]] = Counter()
    invocations: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[(ACTOR.get(), model.service_model.service_name, model.name)] += 1

    config: Any = {"stepfunctions": {"execute_state_machine": True}}
    with mock_aws(config=config):
        from app import app
        from chalicelib.bootstrap import build_aws_container, use_container
        from chalicelib.services.auth import issue_token
        from chalicelib.settings import Settings
        from infra.definition import build_template
        from qm.local.delivery import deliver_once, queued_handlers

        boto3.client("cloudformation").create_stack(
            StackName="bench", TemplateBody=json.dumps(build_template("bench", "sqs"))
        )
        session = boto3.session.Session()
        session.events.register("before-call", count)
        # Started at once: a settled start (a delayed control message) would add one send and
        # one finisher invocation per run, and the pump below does not wait for delayed ones.
        container = build_aws_container(
            Settings(stage="bench", start_settle_seconds=0), session=session
        )
        use_container(container)
        token = issue_token(container.tokens, "bench")
        sqs = boto3.client("sqs")
        queued = queued_handlers(sqs, "bench")

        def pump() -> None:
            for _ in range(400):
                handled = 0
                for entry in queued:
                    ACTOR.set(entry.spec.name)
                    delivered = deliver_once(sqs, entry)
                    invocations[entry.spec.name] += delivered
                    handled += delivered
                ACTOR.set("setup")
                if not handled:
                    time.sleep(0.05)  # the state machine may still be on its way
                    if not any(
                        sqs.get_queue_attributes(
                            QueueUrl=entry.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
                        )["Attributes"]["ApproximateNumberOfMessages"]
                        != "0"
                        for entry in queued
                    ):
                        return

        with Client(app) as client:
            headers = {"x-token": token, "content-type": "application/json"}

            def post(path: str, body: dict[str, Any]) -> Any:
                ACTOR.set("api (intake)")
                response = client.http.post(path, headers=headers, body=json.dumps(body))
                ACTOR.set("setup")
                assert response.status_code < 300, response.body
                return json.loads(response.body)

            shipyard = base64.b64encode(SHIPYARD.encode()).decode()
            post("/v1/project", {"name": "bench", "shipyard": shipyard})
            post("/v1/project/bench/service", {"serviceName": "svc"})
            calls.clear()
            invocations.clear()
            answered: set[str] = set()
            post(
                "/v1/event",
                {
                    "specversion": "1.0",
                    "source": "bench",
                    "id": "w1",
                    "type": "sh.keptn.event.dev.hop.triggered",
                    "data": {"project": "bench", "stage": "dev", "service": "svc"},
                },
            )
            for _ in range(len(TASKS) * 40):
                pump()
                run = container.runs.runs_of_project("bench", 1)[0]
                if run.state.value == "finished":
                    break
                current = run.current
                if current is None or current.triggered_id in answered:
                    time.sleep(0.01)
                    continue
                answered.add(current.triggered_id)
                for phase in ("started", "finished"):
                    post(
                        "/v1/event",
                        {
                            "specversion": "1.0",
                            "source": "tool",
                            "type": f"sh.keptn.event.{current.name}.{phase}",
                            "shkeptncontext": run.keptn_context,
                            "triggeredid": current.triggered_id,
                            "data": {
                                "project": "bench",
                                "stage": "dev",
                                "service": "svc",
                                "result": "pass",
                                "status": "succeeded",
                            },
                        },
                    )
            pump()
            history = boto3.client("stepfunctions").get_execution_history(
                executionArn=run.execution_arn, maxResults=1000
            )["events"]
        use_container(None)
    entered = sum(1 for event in history if event["type"].endswith("StateEntered"))
    # The state machine's own SQS sends (one per task, plus the finish) are calls too.
    sends = sum(1 for event in history if event["type"] == "TaskScheduled")
    # One send per task dispatch, one for the run's finish message (a per-run cost).
    calls[("state machine", "sqs", "SendMessage")] += sends - 1
    calls[("state machine (finish)", "sqs", "SendMessage")] += 1
    return entered / len(TASKS), calls, invocations, len(TASKS)


# -- report ------------------------------------------------------------------------------

# US East list prices, late 2026.
PRICES = {
    "transition": 0.025 / 1000,
    "dynamodb_write": 1.25 / 1e6,
    "dynamodb_read": 0.25 / 1e6,
    "event": 1.00 / 1e6,
    "sqs": 0.40 / 1e6,
    "api_request": 3.50 / 1e6,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s": 0.0000166667,
}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="10-task runs for the latency part")
    arguments = parser.parse_args()

    hop_ms, bare_ms, hops = measure_latency(arguments.runs)
    print(f"hop .finished -> next .triggered  median {hop_ms:7.1f} ms over {hops} hops")
    trips = BARE_TRIPS_PER_RUN * arguments.runs
    print(f"bare EventBridge -> SQS round trip median {bare_ms:7.1f} ms over {trips} trips")
    # The hop crosses three transports (the bus to task-events, the machine's send to the
    # dispatch queue, the bus to the tool): three bare round trips are its floor.
    print(f"ratio to one bare round trip: {hop_ms / bare_ms:.2f}")
    floor = hop_ms / (3 * bare_ms)
    print(f"ratio to the 3-transport floor (3 x bare): {floor:.2f} (target <= 1.3)")
    from infra.handlers import HANDLERS

    idle = sum(3600 / spec.schedule_seconds for spec in HANDLERS if spec.schedule_seconds)
    print(f"invocations per hour at idle (schedules): {idle:.0f} (target 0)")

    transitions, calls, invocations, tasks = measure_work()
    calls = Counter({key: n for key, n in calls.items() if key[0] != "setup"})  # our polling
    total = sum(calls.values())
    print(f"\nstate transitions per task: {transitions:.2f} (target <= 3)")
    by_actor: Counter[str] = Counter()
    for (actor, _, _), n in calls.items():
        by_actor[actor] += n
    print(f"AWS API calls, {tasks} tasks in one run, by who makes them:")
    for actor, n in by_actor.most_common():
        operations = ", ".join(f"{op} {c}" for (a, _, op), c in sorted(calls.items()) if a == actor)
        print(f"  {actor:<16} {n:4d}  ({operations})")
    per_task_actors = ("dispatcher", "task-events", "state machine")
    per_run_actors = ("sequencer", "finisher", "state machine (finish)")
    steady = sum(by_actor[a] for a in per_task_actors) / tasks
    fixed = sum(by_actor[a] for a in per_run_actors)
    print(
        f"  per task, control plane (dispatch, answers, the machine's sends): {steady:.2f} "
        "(target <= 8)"
    )
    print(
        f"  per run, control plane (start and end of the run): {fixed} "
        "(+2 with the default settled start: its delayed message and the finisher's start)"
    )
    print(
        f"  per task, all included (+ the tool's API calls, the audit trail, per-run share): "
        f"{total / tasks:.2f}"
    )

    def per_task(predicate: Any) -> float:
        return sum(n for key, n in calls.items() if predicate(*key)) / tasks

    api_requests = 2.0  # the tool's .started and .finished, through API Gateway
    usage = {
        "transition": transitions,
        "dynamodb_write": per_task(lambda a, s, op: s == "dynamodb" and op in WRITES),
        "dynamodb_read": per_task(lambda a, s, op: s == "dynamodb" and op not in WRITES),
        "event": per_task(lambda a, s, op: op == "PutEvents"),
        # Ours, plus Lambda's own receive and delete for each queue-fed invocation.
        "sqs": per_task(lambda a, s, op: s == "sqs") + 2 * sum(invocations.values()) / tasks,
        "api_request": api_requests,
        "lambda_request": sum(invocations.values()) / tasks + api_requests,
    }
    # 256 MB functions, ~60 ms per invocation.
    lambda_compute = usage["lambda_request"] * 0.25 * 0.06 * PRICES["lambda_gb_s"]
    cost_per_task = sum(usage[key] * PRICES[key] for key in usage) + lambda_compute
    delivery_tasks = 8  # the demo's shipyard: dev 3, staging 3, production 2
    print(
        f"\nAWS cost of 1,000 three-stage deliveries ({delivery_tasks} tasks each) at list "
        f"prices: ${cost_per_task * delivery_tasks * 1000:.2f}"
    )
    for key, value in usage.items():
        print(f"  {key:<15} {value:6.2f} per task")
    print("  (plus the events table's index writes: six indexes, so up to 7 write units per event)")


if __name__ == "__main__":
    main()
