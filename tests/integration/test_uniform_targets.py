"""A project with an applied uniform and a deployment target, on moto: the deployer counts as the
executor of deployment, release and rollback, both when the uniform is applied (no gap reported)
and when a run reaches the task (the uniform's guard leaves it to the deployer); a service that
leaves its deployment to the user's tools (`user_managed`) is still reported."""

from __future__ import annotations

from typing import Any

from tests.integration.api_helpers import b64
from tests.integration.deploy_harness import DeployFlow, deploy_flow, target_yaml

# A uniform whose only service receives a task the shipyard does not have: deployment, release
# and rollback are left to the target.
UNIFORM = """\
version: "0.2.0"
kind: Uniform
metadata:
  name: shop
spec:
  services:
    - name: tester
      bus: arn:aws:events:us-east-1:123456789012:event-bus/tools
      events:
        - name: sh.keptn.event.test.triggered
"""
SETTINGS: dict[str, Any] = {"start_settle_seconds": 0, "handler_delivery": "sqs"}


def apply(flow: DeployFlow) -> dict[str, Any]:
    status, answer = flow.api.call("PUT", "/v1/project/shop/uniform", {"uniform": b64(UNIFORM)})
    assert status == 200, answer
    return dict(answer)


def test_the_target_is_the_executor_of_its_tasks_at_apply_and_at_run_time(aws: None) -> None:
    with deploy_flow("direct", settings=SETTINGS) as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())

        assert apply(flow)["uncovered"] == []
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"), image="carts:1.1.0")
        delivery = flow.flow.wait_finished(context, "dev", "delivery")

        assert delivery["data"]["result"] == "pass"
        sources = {event["source"] for event in flow.flow.events(context)}
        assert "quartermaster-deployer" in sources
        assert "quartermaster/uniform" not in sources  # the guard answered nothing
        assert flow.functions.routing()[0] == "2"


def test_a_user_managed_deployment_with_a_target_is_still_reported(aws: None) -> None:
    with deploy_flow("user_managed", settings=SETTINGS) as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        apply(flow)
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"), image="carts:1.1.0")
        delivery = flow.flow.wait_finished(context, "dev", "delivery")

        (answer,) = flow.of_type(context, "deployment.finished")
        assert answer["source"] == "quartermaster/uniform"
        assert answer["data"]["message"].startswith("no executor for task 'deployment'")
        assert delivery["data"]["result"] == "fail"
        assert flow.functions.routing()[0] == "1"  # nothing deployed it
