"""bench/deploy.py's first part: a three-step Lambda canary run in-process on moto with every
boto3 call counted (botocore `before-call`), and the project files both parts use."""

from __future__ import annotations

import base64
import json
import os
import time
from collections import Counter
from contextvars import ContextVar
from typing import Any

TARGET = (
    "apiVersion: quartermaster.dev/v1\nkind: Target\nspec:\n  type: lambda\n  function: carts\n"
)
DIRECT_TARGET = TARGET.replace("function: carts", "function: carts-direct")
SLO = """\
spec_version: "1.0"
objectives:
  - sli: errors
    pass: [{criteria: ["<=5"]}]
  - sli: duration
    pass: [{criteria: ["<300"]}]
total_score: {pass: "90%", warning: "75%"}
"""
SLI = """\
spec_version: "1.0"
indicators:
  errors: |
    namespace: AWS/Lambda
    metric: Errors
    dimensions: {FunctionName: $FUNCTION, Resource: "$FUNCTION:$ALIAS", ExecutedVersion: $VERSION}
    stat: Sum
  duration: |
    namespace: AWS/Lambda
    metric: Duration
    dimensions: {FunctionName: $FUNCTION, Resource: "$FUNCTION:$ALIAS", ExecutedVersion: $VERSION}
    stat: Maximum
"""


def shipyard(strategy: str) -> str:
    lines = [
        "apiVersion: spec.keptn.sh/0.2.3",
        "kind: Shipyard",
        "metadata: {name: bench}",
        "spec:",
        "  stages:",
        "    - name: prod",
        "      sequences:",
        "        - name: delivery",
        "          tasks:",
        "            - name: deployment",
        "              properties:",
        f"                deploymentstrategy: {strategy}",
    ]
    if strategy == "canary":
        lines += ["                steps: [10, 50, 100]", "                interval: 3s"]
    return "\n".join(lines) + "\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- 1. work per canary, counted in-process on moto -------------------------------------------

ACTOR: ContextVar[str] = ContextVar("actor", default="setup")


def measure_canary() -> tuple[
    Counter[tuple[str, str, str]], Counter[str], dict[str, int], str, Counter[str]
]:
    """(AWS calls by (actor, service, operation), invocations by handler, state transitions by
    machine, the deployment's .finished message) of the canary, and the AWS calls by handler of
    a `direct` deployment made before it."""
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

    config: Any = {
        "stepfunctions": {"execute_state_machine": True},
        "lambda": {"use_docker": False},
    }
    with mock_aws(config=config):
        from app import app
        from chalicelib.bootstrap import build_aws_container, use_container
        from chalicelib.services.auth import issue_token
        from chalicelib.settings import Settings
        from infra.definition import build_template
        from qm.demo_lambda import LambdaTraffic, create_function
        from qm.local.delivery import queued_handlers

        boto3.client("cloudformation").create_stack(
            StackName="bench", TemplateBody=json.dumps(build_template("bench", "sqs"))
        )
        artifact = create_function(boto3.client)
        direct_artifact = create_function(boto3.client, "carts-direct")
        traffic = LambdaTraffic(boto3.client)  # the metrics Lambda would report
        session = boto3.session.Session()
        session.events.register("before-call", count)
        settings = Settings(
            stage="bench", start_settle_seconds=0, target_functions=("carts", "carts-direct")
        )
        container = build_aws_container(settings, session=session)
        use_container(container)
        token = issue_token(container.tokens, "bench")
        sqs = boto3.client("sqs")
        queued = queued_handlers(sqs, "bench")
        with Client(app) as client:
            headers = {"x-token": token, "content-type": "application/json"}

            def call(method: str, path: str, body: dict[str, Any]) -> Any:
                ACTOR.set("api (setup)")
                response = getattr(client.http, method)(
                    path, headers=headers, body=json.dumps(body)
                )
                ACTOR.set("setup")
                assert response.status_code < 300, response.body
                return json.loads(response.body)

            call("post", "/v1/project", {"name": "bench", "shipyard": b64(shipyard("canary"))})
            call("post", "/v1/project/bench/service", {"serviceName": "carts"})
            direct = {"name": "direct", "shipyard": b64(shipyard("direct"))}
            call("post", "/v1/project", direct)
            call("post", "/v1/project/direct/service", {"serviceName": "carts"})
            target = [{"resourceURI": "target.yaml", "resourceContent": b64(DIRECT_TARGET)}]
            call("post", "/v1/project/direct/resource", {"resources": target})
            calls.clear()
            _deliver(call, queued, sqs, invocations, container, "direct", direct_artifact)
            direct_calls: Counter[str] = Counter()
            for (actor, _, _), n in calls.items():
                direct_calls[actor] += n
            invocations.clear()
            files = [("target.yaml", TARGET), ("slo.yaml", SLO), ("cloudwatch/sli.yaml", SLI)]
            call(
                "post",
                "/v1/project/bench/stage/prod/service/carts/resource",
                {
                    "resources": [
                        {"resourceURI": uri, "resourceContent": b64(text)} for uri, text in files
                    ]
                },
            )
            call("put", "/v1/project/bench/monitoring", {"provider": "cloudwatch"})
            traffic.start()
            calls.clear()
            context = _deliver(call, queued, sqs, invocations, container, "bench", artifact)
            traffic.stop()
            message = next(
                str(e.data.get("message"))
                for e in container.events.query(_query(context)).events
                if e.type == "sh.keptn.event.deployment.finished"
            )
        transitions = _transitions(boto3.client("stepfunctions"), calls)
        use_container(None)
    return calls, invocations, transitions, message, direct_calls


def _deliver(
    call: Any,
    queued: Any,
    sqs: Any,
    invocations: Counter[str],
    container: Any,
    project: str,
    artifact: str,
) -> str:
    """Trigger `project`'s delivery of `artifact` and deliver until it finished; its context."""
    from qm.local.delivery import deliver_once

    ACTOR.set("api (intake)")
    answer = call(
        "post",
        "/v1/event",
        {
            "specversion": "1.0",
            "source": "bench",
            "type": "sh.keptn.event.prod.delivery.triggered",
            "data": {
                "project": project,
                "stage": "prod",
                "service": "carts",
                "configurationChange": {"values": {"artifact": artifact}},
            },
        },
    )
    context: str = answer["keptnContext"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for entry in queued:
            ACTOR.set(entry.spec.name)
            invocations[entry.spec.name] += deliver_once(sqs, entry)
        ACTOR.set("setup")
        events = container.events.query(_query(context)).events
        if any(e.type == "sh.keptn.event.prod.delivery.finished" for e in events):
            return context
        time.sleep(0.02)
    raise TimeoutError(f"the {project} delivery did not finish within 120 s")


def _query(context: str) -> Any:
    from chalicelib.domain.event_query import EventQuery

    return EventQuery(keptn_context=context, page_size=100)


def _transitions(sfn: Any, calls: Counter[tuple[str, str, str]]) -> dict[str, int]:
    """State transitions by machine kind; each machine's SQS sends counted as calls."""
    found: dict[str, int] = {}
    for machine in sfn.list_state_machines()["stateMachines"]:
        kind = "canary" if "-canary_v" in machine["name"] else "sequence"
        if kind == "sequence" and not machine["name"].startswith("qm-bench-bench-"):
            continue  # the direct deployment's project
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])[
            "executions"
        ]:
            history = sfn.get_execution_history(
                executionArn=execution["executionArn"], maxResults=1000
            )["events"]
            found[kind] = found.get(kind, 0) + sum(
                1 for event in history if event["type"].endswith("StateEntered")
            )
            sends = sum(1 for event in history if event["type"] == "TaskScheduled")
            calls[(f"state machine ({kind})", "sqs", "SendMessage")] += sends
    return found
