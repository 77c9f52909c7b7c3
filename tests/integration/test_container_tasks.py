"""Container tasks (a uniform's `image` executor) on moto: the task definition the applier
registers, RunTask with the event in the container's environment, exit codes 0 and 1, the
maximum run time, and an image that cannot be pulled, each ending the task as it should.

moto runs no container: a stand-in plays the container's part in moto's ECS (it ends each task
the machine started, with the exit code or the stop reason the test chose), and the state
machine really runs in moto's Step Functions interpreter, with its ECS integration repaired
as the local runtime repairs it (qm/local/moto_parameters.py).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.ecs.models import ecs_backends
from moto.moto_api import state_manager
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (  # noqa: E501
    StateTaskService,
)

from qm.local import moto_parameters
from tests.integration.sequencing_harness import Harness, project_flow

ACCOUNT, REGION, CLUSTER = "123456789012", "us-east-1", "tasks"
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: test
"""
UNIFORM = """\
version: "0.2.0"
kind: Uniform
metadata:
  name: shop
spec:
  services:
    - name: load-tester
      image: {image}
      command: [/bin/load]
      args: [--users, "50"]
      maxRunTime: {max_run}
      cpu: 512
      memory: 1024
      env: {{MODE: quick}}
      envFromEvent: {{RUN: "$.shkeptncontext", IMAGE: "$.data.configurationChange.values.image"}}
      events:
        - name: sh.keptn.event.test.triggered
"""


@dataclass
class Exit:
    """What the stand-in does with a task of an image: exit with a code, stop without one
    (with a reason), or run until stopped (`None` for both)."""

    code: int | None = None
    reason: str | None = None


class ContainerStandIn:
    """Ends the tasks moto's ECS holds as a container runtime would."""

    def __init__(self, exits: dict[str, Exit]) -> None:
        self.exits = exits
        self.ended: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ContainerStandIn:
        state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        state_manager.unset_transition("ecs::task")

    def _watch(self) -> None:
        backend = ecs_backends[ACCOUNT][REGION]
        while not self._stop.wait(0.1):
            for arn, task in list(backend.tasks.get(CLUSTER, {}).items()):
                if arn in self.ended:
                    continue
                container: Any = task.containers[0]  # moto's model; its exit code may be None
                wanted = self.exits.get(str(container.image))
                if wanted is None or (wanted.code is None and wanted.reason is None):
                    continue  # runs until stopped
                container.exitCode = wanted.code
                task.stopped_reason = wanted.reason or "Essential container in task exited"
                task.last_status = "STOPPED"
                self.ended[arn] = task


@pytest.fixture
def network(aws: None) -> dict[str, str]:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)
    boto3.client("ecs").create_cluster(clusterName=CLUSTER)
    return {"subnet": subnet, "group": group["GroupId"]}


@pytest.fixture
def shop(network: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    monkeypatch.setattr(
        StateTaskService, "_normalise_parameters", moto_parameters.normalise_parameters
    )
    monkeypatch.setattr(StateTaskService, "_normalise_response", moto_parameters.normalise_response)
    with project_flow(
        SHIPYARD,
        start_settle_seconds=0,
        handler_delivery="sqs",
        lambda_targets=False,
        task_cluster=CLUSTER,
        task_subnets=network["subnet"],
        task_security_groups=network["group"],
        task_poll_seconds=1,
    ) as harness:
        yield harness


def apply(shop: Harness, image: str, max_run: str = "15m") -> None:
    text = UNIFORM.format(image=image, max_run=max_run)
    body = {"uniform": base64.b64encode(text.encode()).decode()}
    status, answer = shop.api.call("PUT", "/v1/project/shop/uniform", body)
    assert status == 200, answer
    assert answer["warnings"] == []
    shop.settle(0.2)


def run_test_task(shop: Harness, image: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Deliver carts with `image`; the test task's .finished and the run's .finished."""
    context = shop.trigger(
        "dev", "delivery", data={"configurationChange": {"values": {"image": "carts:1.2"}}}
    )
    run_finished = shop.pump(lambda: shop.finished(context, "dev", "delivery"), timeout=60)
    (test_finished,) = [e for e in shop.events(context) if e["type"].endswith("test.finished")]
    return test_finished, run_finished


def test_the_image_runs_with_the_event_in_its_environment_and_exit_0_passes(
    shop: Harness,
) -> None:
    image = "ghcr.io/acme/load:1"
    apply(shop, image)
    ecs = boto3.client("ecs")
    (family,) = [
        arn.split("/")[-1].split(":")[0]
        for arn in ecs.list_task_definitions()["taskDefinitionArns"]
    ]
    definition = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    container = definition["containerDefinitions"][0]
    assert family.startswith("qm-test-task-")
    assert (container["image"], container["entryPoint"], container["command"]) == (
        image,
        ["/bin/load"],
        ["--users", "50"],
    )
    assert (definition["cpu"], definition["memory"]) == ("512", "1024")
    assert definition["executionRoleArn"].endswith(":role/quartermaster-test-task-execution")
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/quartermaster/test/tasks"

    with ContainerStandIn({image: Exit(code=0)}) as stand_in:
        test_finished, run_finished = run_test_task(shop, image)

    (task,) = stand_in.ended.values()
    environment = {
        variable["name"]: variable["value"]
        for variable in task.overrides["containerOverrides"][0]["environment"]
    }
    assert environment == {
        "KEPTN_PROJECT": "shop",
        "KEPTN_STAGE": "dev",
        "KEPTN_SERVICE": "cart",
        "MODE": "quick",
        "RUN": test_finished["shkeptncontext"],
        "IMAGE": "carts:1.2",
    }
    assert task.launch_type == "FARGATE"
    assert (test_finished["data"]["result"], test_finished["data"]["status"]) == (
        "pass",
        "succeeded",
    )
    assert test_finished["source"] == "quartermaster/load-tester"
    message = test_finished["data"]["message"]
    assert message.startswith(f"{image} exited with code 0 (logs: https://us-east-1.console.")
    assert message.endswith(f"load-tester$252Ftask$252F{task.id})")
    assert run_finished["data"]["result"] == "pass"


def test_a_non_zero_exit_fails_the_task(shop: Harness) -> None:
    image = "ghcr.io/acme/load:2"
    apply(shop, image)

    with ContainerStandIn({image: Exit(code=1)}):
        test_finished, run_finished = run_test_task(shop, image)

    assert (test_finished["data"]["result"], test_finished["data"]["status"]) == (
        "fail",
        "succeeded",
    )
    assert test_finished["data"]["message"].startswith(f"{image} exited with code 1 (logs: ")
    assert run_finished["data"]["result"] == "fail"


def test_a_container_past_its_maximum_run_time_is_stopped(shop: Harness) -> None:
    image = "ghcr.io/acme/load:3"
    apply(shop, image, max_run="2s")

    with ContainerStandIn({image: Exit()}):  # it never ends by itself
        test_finished, _ = run_test_task(shop, image)

    assert (test_finished["data"]["result"], test_finished["data"]["status"]) == (
        "fail",
        "errored",
    )
    assert test_finished["data"]["message"].startswith(
        f"{image} ran longer than its maxRunTime 2s and was stopped"
    )
    (task,) = ecs_backends[ACCOUNT][REGION].tasks[CLUSTER].values()
    assert (task.last_status, task.stopped_reason) == ("STOPPED", "ran longer than its maxRunTime")


def test_an_image_that_cannot_be_pulled_ends_errored_with_ecs_reason(shop: Harness) -> None:
    image = "ghcr.io/acme/missing:404"
    apply(shop, image)
    reason = (
        "CannotPullContainerError: pull image manifest has been retried 1 time(s): "
        f"{image}: not found"
    )

    with ContainerStandIn({image: Exit(code=None, reason=reason)}):
        test_finished, _ = run_test_task(shop, image)

    assert (test_finished["data"]["result"], test_finished["data"]["status"]) == (
        "fail",
        "errored",
    )
    assert test_finished["data"]["message"].startswith(
        f"{image} stopped without an exit code: {reason}"
    )
