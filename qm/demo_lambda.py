"""The demo's Lambda function on the emulator: `carts` with version 1 behind the alias `live`, the
next build's package in S3, and the metrics Lambda would report for the traffic the alias
sends to each version, so production's canary is gated by CloudWatch data.

moto keeps functions, versions and the alias's weighted routing but runs no code, so
`LambdaTraffic` plays the callers: every second it reads the alias's routing and reports
`Invocations`, `Errors` and `Duration` per version (`FunctionName` + `Resource` +
`ExecutedVersion`, as Lambda does for calls through an alias).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import threading
import zipfile
from datetime import UTC, datetime
from typing import Any

FUNCTION = "carts"
ALIAS = "live"
BUCKET = "sockshop-artifacts"
CALLS_PER_TICK = 120
TICK_SECONDS = 1.0


def package(build: str) -> bytes:
    """A function package (its code says which build it is)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "handler.py",
            "def handler(event, context):\n"
            f"    return {{'service': 'carts', 'build': {build!r}}}\n",
        )
    return buffer.getvalue()


def create_function(client: Any, function: str = FUNCTION) -> str:
    """`function` (carts) 0.13.2 as version 1 behind `live`; the 0.13.3 package in S3. Its S3
    URI."""
    iam, lam, s3 = client("iam"), client("lambda"), client("s3")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        role = iam.get_role(RoleName="carts-runtime")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName="carts-runtime", AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]
    with contextlib.suppress(lam.exceptions.ResourceNotFoundException):
        lam.delete_function(FunctionName=function)  # a demo run before this one
    lam.create_function(
        FunctionName=function,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": package("0.13.2")},
        Publish=True,
    )
    lam.create_alias(FunctionName=function, Name=ALIAS, FunctionVersion="1")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET)
    key = f"{function}/0.13.3.zip"
    s3.put_object(Bucket=BUCKET, Key=key, Body=package("0.13.3"))
    return f"s3://{BUCKET}/{key}"


class LambdaTraffic:
    """Callers of the alias, reported to the emulator's CloudWatch as Lambda would."""

    def __init__(self, client: Any) -> None:
        self._lambda = client("lambda")
        self._cloudwatch = client("cloudwatch")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lambda-traffic", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self._report()
            except Exception:  # the runtime is stopping; the demo says what failed elsewhere
                return

    def _report(self) -> None:
        alias = self._lambda.get_alias(FunctionName=FUNCTION, Name=ALIAS)
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        shares = {str(alias["FunctionVersion"]): 1.0 - sum(weights.values())}
        shares.update({str(version): weight for version, weight in weights.items()})
        now = datetime.now(UTC)
        data: list[dict[str, Any]] = []
        for version, share in shares.items():
            calls = round(CALLS_PER_TICK * share)
            if calls <= 0:
                continue
            dimensions = [
                {"Name": "FunctionName", "Value": FUNCTION},
                {"Name": "Resource", "Value": f"{FUNCTION}:{ALIAS}"},
                {"Name": "ExecutedVersion", "Value": version},
            ]
            # Both builds are healthy: no errors, answers well under the gate's limit.
            samples = (
                ("Invocations", float(calls), "Count"),
                ("Errors", 0.0, "Count"),
                ("Duration", random.uniform(40.0, 120.0), "Milliseconds"),
            )
            data += [
                {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Timestamp": now,
                    "Value": value,
                    "Unit": unit,
                }
                for name, value, unit in samples
            ]
        if data:
            self._cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=data)
