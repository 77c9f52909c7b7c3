"""The uniform's handlers under faults: a fault at every AWS call each makes (a crash before
it, the call applied but its answer lost, throttling past botocore's retries), the delivery
retried. Each must end as without the fault, or visibly (dead-lettered, never silently):

- uniform-applier: the project's rules on the bus are exactly its uniform's, and the applied
  record names the uniform's commit;
- uniform-guard: the task nothing carries out is answered once (`.started`, `.finished`
  errored with what to add), and the run ends;
- task-executor: the container task runs once, and the task passes;
- webhooks, for a service's hook: the task passes with one `.started` and one `.finished`;
  the event is POSTed once, or again when a crash left unknown whether it arrived (the webhook
  executor's at-least-once rule for entries that answer the task: docs/webhooks.md).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.ecs.models import ecs_backends
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (  # noqa: E501
    StateTaskService,
)
from pytest_httpserver import HTTPServer

from chalicelib.bootstrap import container
from chalicelib.domain.subscriptions import uniform_subscriptions
from chalicelib.engine.uniform_rules import project_prefix, rule_for
from chalicelib.services.uniform.current import parse_uniform
from qm.local import moto_parameters
from tests.faults.injector import Injector, Mode
from tests.faults.uniform_sweep import UniformFaults, uniform_faults
from tests.integration.conftest import STAGE
from tests.integration.test_container_tasks import (
    ACCOUNT,
    CLUSTER,
    REGION,
    ContainerStandIn,
    Exit,
)

MODES = (Mode.CRASH, Mode.APPLIED, Mode.THROTTLED)


def shipyard(task: str) -> str:
    return (
        "apiVersion: spec.keptn.sh/0.2.3\nkind: Shipyard\nmetadata:\n  name: faults\nspec:\n"
        "  stages:\n    - name: dev\n      sequences:\n        - name: delivery\n"
        f"          tasks:\n            - name: {task}\n"
    )


UNIFORM = """\
version: "0.2.0"
kind: Uniform
metadata:
  name: faults
spec:
  services:
    - name: deployer
      bus: arn:aws:events:us-east-1:123456789012:event-bus/tools
      events:
        - name: sh.keptn.event.release.triggered
    - name: tester
      image: ghcr.io/acme/tests:1
      maxRunTime: 1m
      events:
        - name: sh.keptn.event.test.triggered
          selector:
            matchExpressions:
              - {key: tier, operator: NotIn, values: [bronze]}
"""


def replays(faults: UniformFaults, handler: str, scenario: Any) -> list[tuple[Mode, int]]:
    """Run the scenario once without a fault (counting the handler's calls), then once per
    mode and call; returns what was struck. A first, uncounted run makes the calls made once
    per process (the account id)."""
    faults.replay("", Mode.CRASH, None)
    scenario("warm")
    faults.replay(handler, Mode.CRASH, None)
    scenario("baseline")
    calls = len(faults.injector.calls)
    assert calls >= 2, faults.injector.calls
    struck = []
    for mode in MODES:
        for at in range(1, calls + 1):
            faults.replay(handler, mode, at)
            scenario(f"{mode.value[:2]}{at}")
            assert faults.injector.struck is not None
            struck.append((mode, at))
    return struck


@pytest.fixture
def faults() -> Iterator[UniformFaults]:
    with uniform_faults(Injector()) as built:
        yield built


def bus_rules(project: str) -> dict[str, Any]:
    events = boto3.client("events")
    prefix = project_prefix(STAGE, project)
    return {
        rule["Name"]: json.loads(rule["EventPattern"])
        for rule in events.list_rules(EventBusName=f"quartermaster-{STAGE}", NamePrefix=prefix)[
            "Rules"
        ]
    }


def wanted_rules(project: str) -> dict[str, Any]:
    deployment = container().deployment
    assert deployment is not None
    rules = [
        rule_for(subscription, project, deployment())
        for subscription in uniform_subscriptions(project, parse_uniform(UNIFORM))
    ]
    return {rule.name: json.loads(rule.pattern) for rule in rules if rule is not None}


def test_the_applier_converges_after_a_fault_at_any_call(faults: UniformFaults) -> None:
    uniforms = faults.container.uniforms
    assert uniforms is not None

    def scenario(name: str) -> None:
        project = f"a-{name}"
        faults.create_project(project, shipyard("release"))
        commit = faults.put_uniform(project, UNIFORM)
        applied = faults.pump(lambda: uniforms.get_applied(project))
        assert applied.commit == commit
        assert faults.queues.dead_letters == 0
        assert bus_rules(project) == wanted_rules(project)
        assert len(bus_rules(project)) == 2

    assert replays(faults, "uniform-applier", scenario)


def test_the_guard_answers_an_unserved_task_once_after_a_fault_at_any_call(
    faults: UniformFaults,
) -> None:
    def scenario(name: str) -> None:
        project = f"g-{name}"
        faults.create_project(project, shipyard("deployment"))
        faults.put_uniform(project, UNIFORM)
        faults.settle(0.3)
        context = faults.trigger(project)
        finished = faults.pump(lambda: faults.finished(context))
        assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
        types = [e["type"] for e in faults.events(context)]
        assert types.count("sh.keptn.event.deployment.started") == 1
        assert types.count("sh.keptn.event.deployment.finished") == 1
        (answer,) = [e for e in faults.events(context) if e["type"].endswith("deployment.finished")]
        assert answer["data"]["message"].startswith("no executor for task 'deployment'")

    assert replays(faults, "uniform-guard", scenario)


@pytest.fixture
def container_faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[UniformFaults]:
    monkeypatch.setattr(
        StateTaskService, "_normalise_parameters", moto_parameters.normalise_parameters
    )
    monkeypatch.setattr(StateTaskService, "_normalise_response", moto_parameters.normalise_response)
    with uniform_faults(Injector(), task_poll_seconds=1, task_cluster=CLUSTER) as built:
        ec2 = boto3.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="t", Description="t", VpcId=vpc)["GroupId"]
        boto3.client("ecs").create_cluster(clusterName=CLUSTER)
        # The network is known only now: the settings' network, as a deployment would have it.
        settings = built.container.settings.model_copy(
            update={"task_subnets": subnet, "task_security_groups": group}
        )
        object.__setattr__(built.container, "settings", settings)
        yield built


def test_the_executor_runs_the_container_once_after_a_fault_at_any_call(
    container_faults: UniformFaults,
) -> None:
    faults = container_faults

    def scenario(name: str) -> None:
        project = f"e-{name}"
        faults.create_project(project, shipyard("test"))
        faults.put_uniform(project, UNIFORM)
        faults.settle(0.3)
        context = faults.trigger(project)
        finished = faults.pump(lambda: faults.finished(context), timeout=60)
        assert (finished["data"]["result"], finished["data"]["status"]) == ("pass", "succeeded")
        ran = [
            task
            for task in ecs_backends[ACCOUNT][REGION].tasks[CLUSTER].values()
            if {"name": "KEPTN_PROJECT", "value": project}
            in task.overrides["containerOverrides"][0]["environment"]
        ]
        assert len(ran) == 1
        types = [e["type"] for e in faults.events(context)]
        assert types.count("sh.keptn.event.test.finished") == 1

    with ContainerStandIn({"ghcr.io/acme/tests:1": Exit(code=0)}):
        assert replays(faults, "task-executor", scenario)


@pytest.fixture
def hook_faults() -> Iterator[UniformFaults]:
    with uniform_faults(Injector(), webhook_allow="127.0.0.1/32") as built:
        yield built


def test_a_hook_passes_its_task_once_after_a_fault_at_any_call(
    hook_faults: UniformFaults, httpserver: HTTPServer
) -> None:
    faults = hook_faults
    httpserver.expect_request("/hook", method="POST").respond_with_json({"ok": True})
    hook_uniform = UNIFORM.replace(
        "      image: ghcr.io/acme/tests:1\n      maxRunTime: 1m\n",
        f"      hook: {httpserver.url_for('/hook')}\n",
    )
    outcomes: Counter[str] = Counter()

    def received(project: str) -> int:
        bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
        return sum(1 for body in bodies if body["data"]["project"] == project)

    def scenario(name: str) -> None:
        project = f"h-{name}"
        faults.create_project(project, shipyard("test"))
        faults.put_uniform(project, hook_uniform)
        faults.settle(0.3)
        context = faults.trigger(project)
        finished = faults.pump(lambda: faults.finished(context))
        assert (finished["data"]["result"], finished["data"]["status"]) == ("pass", "succeeded")
        types = [e["type"] for e in faults.events(context)]
        assert types.count("sh.keptn.event.test.started") == 1
        assert types.count("sh.keptn.event.test.finished") == 1
        sent = received(project)
        assert sent in (1, 2)
        outcomes["sent once" if sent == 1 else "sent again"] += 1

    struck = replays(faults, "webhooks", scenario)
    assert outcomes["sent once"] > 0
    print(f"hook: {len(struck)} faults, {dict(outcomes)}")  # shown with -s
