"""A sample tool, subscribed through the event bus as a user's tool would be.

It creates its own SQS queue and an EventBridge rule for the task events it handles, then for
each `sh.keptn.event.<task>.triggered` it answers `.started` and `.finished` through the HTTP
API with its own token. Copy it as the starting point of a real integration.

    python -m qm.local.sample_tool --tasks deployment,test,release [--fail test] [--stages dev]

It reads the local runtime's endpoint, token and emulator address from `qm local up`'s state.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
import time
from typing import Any

import boto3
import httpx

from qm.local.control import read_state

SOURCE = "sample-tool"


class SampleTool:
    def __init__(
        self,
        endpoint: str,
        token: str,
        bus: str,
        tasks: list[str],
        fail: set[str],
        stages: list[str] | None = None,
    ) -> None:
        self._http = httpx.Client(base_url=endpoint, headers={"x-token": token}, timeout=10)
        self._sqs = boto3.client("sqs")
        self._events = boto3.client("events")
        self._bus = bus
        self._tasks = tasks
        self._fail = fail
        self._stages = stages  # None: every stage
        self._stop = threading.Event()
        self._queue_url = self._subscribe()

    def _subscribe(self) -> str:
        """One queue and one rule on the bus: the tool's subscription to its task events."""
        queue_url: str = self._sqs.create_queue(QueueName=f"{SOURCE}-inbox")["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        pattern: dict[str, Any] = {
            "detail-type": [f"sh.keptn.event.{task}.triggered" for task in self._tasks]
        }
        if self._stages:
            pattern["detail"] = {"data": {"stage": list(self._stages)}}
        self._events.put_rule(
            Name=f"{SOURCE}-subscription", EventBusName=self._bus, EventPattern=json.dumps(pattern)
        )
        self._events.put_targets(
            Rule=f"{SOURCE}-subscription",
            EventBusName=self._bus,
            Targets=[{"Id": SOURCE, "Arn": arn}],
        )
        return queue_url

    def run(self) -> None:
        while not self._stop.is_set():
            messages = self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            for message in messages:
                self.handle(json.loads(message["Body"])["detail"])
                self._sqs.delete_message(
                    QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def stop(self) -> None:
        self._stop.set()

    def handle(self, triggered: dict[str, Any]) -> None:
        task = triggered["type"].removeprefix("sh.keptn.event.").removesuffix(".triggered")
        data = triggered["data"]
        scope = {key: data[key] for key in ("project", "stage", "service")}
        self._send(triggered, task, "started", scope)
        time.sleep(0.3)  # pretend to work
        failing = task in self._fail
        finished = {
            **scope,
            "status": "succeeded",
            "result": "fail" if failing else "pass",
            "message": f"{task} {'failed' if failing else 'done'} by {SOURCE}",
        }
        if task == "deployment":
            service, stage = data["service"], data["stage"]
            # The shipyard's task properties arrive under data.deployment; Keptn's deployment
            # tools report the strategy they deployed with.
            asked = data.get("deployment") if isinstance(data.get("deployment"), dict) else {}
            finished["deployment"] = {
                "deploymentstrategy": asked.get("deploymentstrategy") or "direct",
                "deploymentURIsLocal": [f"http://{service}.{stage}.svc:80"],
                "deploymentNames": ["direct"],
            }
        self._send(triggered, task, "finished", finished)

    def _send(self, triggered: dict[str, Any], task: str, phase: str, data: dict[str, Any]) -> None:
        event = {
            "specversion": "1.0",
            "source": SOURCE,
            "type": f"sh.keptn.event.{task}.{phase}",
            "shkeptncontext": triggered["shkeptncontext"],
            "triggeredid": triggered["id"],
            "data": data,
        }
        self._http.post("/v1/event", json=event).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="deployment,test,release,rollback")
    parser.add_argument("--fail", default="", help="tasks to answer with result fail")
    parser.add_argument("--stages", default="", help="only these stages (default: every one)")
    arguments = parser.parse_args()
    state = read_state()
    if state is None:
        raise SystemExit("the local runtime is not running: start it with `qm local up`")
    os.environ.update(
        AWS_ENDPOINT_URL=state["aws_endpoint"],
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_DEFAULT_REGION="us-east-1",
    )
    tool = SampleTool(
        state["endpoint"],
        state["token"],
        "quartermaster-local",
        [task for task in arguments.tasks.split(",") if task],
        {task for task in arguments.fail.split(",") if task},
        [stage for stage in arguments.stages.split(",") if stage] or None,
    )
    signal.signal(signal.SIGTERM, lambda *_: tool.stop())
    print(f"{SOURCE}: answering {arguments.tasks} (Ctrl-C to stop)", flush=True)
    try:
        tool.run()
    except KeyboardInterrupt:
        tool.stop()


if __name__ == "__main__":
    main()
