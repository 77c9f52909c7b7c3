"""Deployments to Lambda on moto: functions with versions and an alias, artifacts in S3, a
project whose services deploy to them, and the routing each step leaves on the alias."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tests.integration.api_helpers import b64
from tests.integration.sequencing_harness import Harness, project_flow

BUCKET = "shop-artifacts"
ROLE_NAME = "carts-runtime"
SERVICE = "/v1/project/shop/stage/dev/service/cart"
Routing = tuple[str, str | None, float]  # (version, candidate, candidate's weight in percent)


def zipped(label: str) -> bytes:
    """A function package whose code differs per label."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", f"def handler(event, context):\n    return {label!r}\n")
    return buffer.getvalue()


class Functions:
    """Lambda functions in one account of the emulator (`session`: that account's)."""

    def __init__(self, session: Any | None = None, bucket: str = BUCKET) -> None:
        self.session = session or boto3.session.Session()
        self.bucket = bucket
        self.lam = self.session.client("lambda")
        self.s3 = self.session.client("s3")
        iam = self.session.client("iam")
        try:
            self.role = iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            self.role = iam.create_role(
                RoleName=ROLE_NAME,
                AssumeRolePolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
            )["Role"]["Arn"]
        if bucket not in [found["Name"] for found in self.s3.list_buckets()["Buckets"]]:
            self.s3.create_bucket(Bucket=bucket)

    def artifact(self, label: str) -> str:
        key = f"carts/{label}.zip"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=zipped(label))
        return f"s3://{self.bucket}/{key}"

    def create(self, name: str = "carts", alias: str | None = "live") -> str:
        """A .zip function with version 1 published and `alias` on it; its ARN."""
        created = self.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=self.role,
            Handler="handler.handler",
            Code={"ZipFile": zipped("1.0.0")},
            Publish=True,
        )
        if alias:
            self.lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="1")
        return str(created["FunctionArn"])

    def routing(self, name: str = "carts", alias: str = "live") -> Routing:
        found = self.lam.get_alias(FunctionName=name, Name=alias)
        weights = (found.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if not weights:
            return (found["FunctionVersion"], None, 0.0)
        candidate, weight = next(iter(weights.items()))
        return (found["FunctionVersion"], candidate, round(weight * 100, 4))


def target_yaml(function: str = "carts", **extra: str) -> str:
    lines = ["apiVersion: quartermaster.dev/v1", "kind: Target", "spec:", "  type: lambda"]
    lines.append(f"  function: {function}")
    lines.extend(f"  {key}: {value}" for key, value in extra.items())
    return "\n".join(lines) + "\n"


def _properties(strategy: str, properties: dict[str, Any]) -> str:
    props = {"deploymentstrategy": strategy, **properties}
    return "".join(f"                {key}: {json.dumps(value)}\n" for key, value in props.items())


HEADER = "apiVersion: spec.keptn.sh/0.2.3\nkind: Shipyard\nmetadata:\n  name: shop\nspec:\n"


def shipyard(strategy: str, test_task: bool = False, **properties: Any) -> str:
    """One stage, dev: a delivery that deploys with `strategy` (then, with `test_task`, a test
    the test answers), then releases; a rollback sequence chained on a failed delivery."""
    return (
        HEADER
        + "  stages:\n    - name: dev\n      sequences:\n"
        + "        - name: delivery\n          tasks:\n"
        + "            - name: deployment\n              properties:\n"
        + _properties(strategy, properties)
        + ("            - name: test\n" if test_task else "")
        + "            - name: release\n"
        + "        - name: rollback\n          triggeredOn:\n"
        + "            - event: dev.delivery.finished\n              selector:\n"
        + "                match:\n                  result: fail\n"
        + "          tasks:\n            - name: rollback\n"
    )


class DeployFlow:
    """A project whose service `cart` deploys to a Lambda target, driven through the API."""

    def __init__(self, flow: Harness, functions: Functions) -> None:
        self.flow = flow
        self.api = flow.api
        self.functions = functions

    def upload(self, uri: str, content: str, where: str = SERVICE) -> None:
        body = {"resources": [{"resourceURI": uri, "resourceContent": b64(content)}]}
        status, answer = self.api.call("POST", f"{where}/resource", body)
        assert status in (200, 201), answer

    def deliver(self, **values: Any) -> str:
        return self.flow.trigger(
            "dev", "delivery", data={"configurationChange": {"values": values}}
        )

    def finished(self, context: str, task: str = "deployment") -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next(
                (
                    event
                    for event in self.flow.events(context)
                    if event["type"] == f"sh.keptn.event.{task}.finished"
                ),
                None,
            )

        event: dict[str, Any] = self.flow.pump(found, timeout=60)
        return event

    def watch(self, until: Callable[[], Any], timeout: float = 60) -> list[Routing]:
        """Deliver until `until()`, reading the alias after every delivery and noting each
        routing it goes through."""
        return self.watch_many({"": "carts"}, until, timeout)[""]

    def watch_many(
        self, functions: dict[str, str], until: Callable[[], Any], timeout: float
    ) -> dict[str, list[Routing]]:
        """`watch` over several functions (key -> function name) at once."""
        seen = {key: [self.functions.routing(name)] for key, name in functions.items()}

        def look() -> None:
            for key, name in functions.items():
                routing = self.functions.routing(name)
                if routing != seen[key][-1]:
                    seen[key].append(routing)

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            deliver_each(look)
            look()
            if until():
                return seen
            time.sleep(0.02)
        raise AssertionError(f"not done within {timeout} s; routings so far: {seen}")

    def of_type(self, context: str, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.flow.events(context) if e["type"] == f"sh.keptn.event.{event_type}"]


def deliver_each(after: Callable[[], None]) -> int:
    """Every queued delivery to its handler, as deliver_all does, calling `after` after each."""
    from qm.local.delivery import LambdaContext, handler_input, queued_handlers
    from tests.integration.conftest import STAGE

    sqs = boto3.client("sqs")
    handled = 0
    while True:
        round_handled = 0
        for queued in queued_handlers(sqs, STAGE):
            messages = sqs.receive_message(
                QueueUrl=queued.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            for message in messages:
                queued.handler(handler_input(queued.spec, message), LambdaContext(queued.spec.name))
                sqs.delete_message(
                    QueueUrl=queued.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                after()
                round_handled += 1
        if not round_handled:
            return handled
        handled += round_handled


def put_lambda_metrics(
    cloudwatch: Any, function: str, alias: str, version: str, errors: float, invocations: float
) -> None:
    """What Lambda reports for invocations through the alias that ran `version`."""
    dimensions = [
        {"Name": "FunctionName", "Value": function},
        {"Name": "Resource", "Value": f"{function}:{alias}"},
        {"Name": "ExecutedVersion", "Value": version},
    ]
    now = datetime.now(UTC)
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": now - timedelta(seconds=1),
                "Value": value,
            }
            for name, value in (("Errors", errors), ("Invocations", invocations))
        ],
    )


ALLOWED: dict[str, Any] = {
    "target_functions": ("*",),
    "target_roles": ("arn:aws:iam::111122223333:role/*",),
}


@contextmanager
def deploy_flow(
    strategy: str,
    test_task: bool = False,
    settings: dict[str, Any] | None = None,
    **properties: Any,
) -> Iterator[DeployFlow]:
    """Project `shop` deploying service `cart` with `strategy`, every function allowed (unless
    `settings` say otherwise)."""
    chosen = {**ALLOWED, **(settings or {})}
    with project_flow(shipyard(strategy, test_task, **properties), **chosen) as flow:
        yield DeployFlow(flow, Functions())


@contextmanager
def presets_flow(strategies: list[str]) -> Iterator[DeployFlow]:
    """A stage per strategy (`s0`, `s1`, ...), each deploying with it, bake times 1 s."""
    stages = "".join(
        f"    - name: s{index}\n      sequences:\n        - name: delivery\n          tasks:\n"
        f"            - name: deployment\n              properties:\n"
        + _properties(strategy, {"interval": "1s"})
        for index, strategy in enumerate(strategies)
    )
    with project_flow(HEADER + "  stages:\n" + stages, **ALLOWED) as flow:
        yield DeployFlow(flow, Functions())
