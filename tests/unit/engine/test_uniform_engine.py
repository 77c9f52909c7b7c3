"""The uniform's pure parts: each kind's rule and target, the plan from a listing of the bus,
coverage of a shipyard's tasks, and a container task's definition and environment."""

from __future__ import annotations

import hashlib
import json

import pytest

from chalicelib.domain.bus_rules import ExistingRule
from chalicelib.domain.executors import Executor, ExecutorKind
from chalicelib.domain.integrations import Integration, integration_id
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.subscriptions import Subscription, uniform_subscriptions
from chalicelib.domain.uniform import Uniform
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.container_tasks import (
    ContainerRuntime,
    EventPathMissing,
    event_value,
    job_environment,
    logs_link,
    max_polls,
    said_duration,
    task_definition,
    task_family,
)
from chalicelib.engine.coverage import built_in, gaps
from chalicelib.engine.uniform_rules import Deployment, plan, project_prefix, rule_for

DEPLOYMENT = Deployment(
    stage="prod",
    bus="quartermaster-prod",
    region="eu-west-1",
    account="111122223333",
    executor_arn="arn:aws:lambda:eu-west-1:111122223333:function:quartermaster-prod-task-executor",
    webhooks_arn="arn:aws:lambda:eu-west-1:111122223333:function:quartermaster-prod-webhooks",
)
UNIFORM = """\
version: "0.2.0"
kind: Uniform
metadata: {name: tools}
spec:
  services:
    - name: fn
      function: deployer:live
      events: [{name: sh.keptn.event.deployment.triggered}]
    - name: plane
      bus: arn:aws:events:eu-west-1:444455556666:event-bus/tools
      roleArn: arn:aws:iam::111122223333:role/quartermaster-prod-targets-tools
      events: [{name: sh.keptn.event.release.triggered}]
    - name: tests
      image: ghcr.io/acme/tests:1
      events:
        - name: sh.keptn.event.test.triggered
          selector: {matchLabels: {stage: staging}}
    - name: poller
      kind: http-poll
      events: [{name: sh.keptn.event.rollback.triggered}]
    - name: chat
      hook: https://chat.example.com/hooks/1
      events: [{name: sh.keptn.event.notify.triggered}]
    - name: webhook-service
      kind: webhook
      events: [{name: sh.keptn.event.page.triggered}]
"""


def subscriptions() -> dict[str, Subscription]:
    uniform = parse_document(UNIFORM, Uniform, "uniform.yaml")
    return {s.owner: s for s in uniform_subscriptions("shop", uniform)}


def test_each_kind_gets_its_target() -> None:
    found = subscriptions()
    lambda_rule = rule_for(found["fn"], "shop", DEPLOYMENT)
    bus_rule = rule_for(found["plane"], "shop", DEPLOYMENT)
    image_rule = rule_for(found["tests"], "shop", DEPLOYMENT)

    assert lambda_rule is not None
    assert bus_rule is not None
    assert image_rule is not None
    assert lambda_rule.target.arn == (
        "arn:aws:lambda:eu-west-1:111122223333:function:deployer:live"
    )
    assert lambda_rule.target.input_path == "$.detail"
    assert bus_rule.target.arn == "arn:aws:events:eu-west-1:444455556666:event-bus/tools"
    assert bus_rule.target.role_arn.endswith(":role/quartermaster-prod-targets-tools")  # type: ignore[union-attr]
    assert image_rule.target.arn == DEPLOYMENT.executor_arn
    assert image_rule.target.input_paths == (("event", "$.detail"),)
    template = json.loads(str(image_rule.target.input_template).replace("<event>", "{}"))
    assert template == {"subscription": found["tests"].id, "project": "shop", "event": {}}
    assert json.loads(image_rule.pattern)["detail"]["data"]["stage"] == ["staging"]
    assert all(
        rule.name.startswith(project_prefix("prod", "shop")) and len(rule.name) <= 64
        for rule in (lambda_rule, bus_rule, image_rule)
    )
    assert rule_for(found["poller"], "shop", DEPLOYMENT) is None


def test_a_hook_goes_to_the_webhook_executor_and_webhook_files_need_no_rule() -> None:
    found = subscriptions()
    hook_rule = rule_for(found["chat"], "shop", DEPLOYMENT)

    assert hook_rule is not None
    assert hook_rule.target.arn == DEPLOYMENT.webhooks_arn
    template = json.loads(str(hook_rule.target.input_template).replace("<event>", "{}"))
    assert template == {"subscription": found["chat"].id, "project": "shop", "event": {}}
    assert hook_rule.target.input_paths == (("event", "$.detail"),)
    # kind webhook without a hook: the webhooks handler gets every event and runs webhook.yaml
    assert found["webhook-service"].executor.webhook_files
    assert rule_for(found["webhook-service"], "shop", DEPLOYMENT) is None


def test_one_projects_prefix_is_never_anothers() -> None:
    shop, shop_eu = project_prefix("prod", "shop"), project_prefix("prod", "shop-eu")

    assert not shop_eu.startswith(shop)
    assert not shop.startswith(shop_eu)
    assert len(shop) == len(shop_eu)


def test_the_plan_puts_what_is_missing_or_different_and_deletes_the_rest() -> None:
    found = subscriptions()
    wanted = [
        rule
        for name in ("fn", "plane", "tests")
        if (rule := rule_for(found[name], "shop", DEPLOYMENT)) is not None
    ]
    fn, plane, tests = wanted
    existing = [
        ExistingRule(name=fn.name, pattern=fn.pattern, targets=(fn.target,)),  # as wanted
        ExistingRule(name=plane.name, pattern=plane.pattern, targets=()),  # interrupted
        ExistingRule(name=project_prefix("prod", "shop") + "old", pattern="{}", targets=()),
    ]

    steps = plan(existing, wanted)

    assert [rule.name for rule in steps.put] == [plane.name, tests.name]
    assert steps.unchanged == (fn.name,)
    assert steps.delete == (project_prefix("prod", "shop") + "old",)


SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {name: shop}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks: [{name: deployment}, {name: test}, {name: evaluation}]
    - name: staging
      sequences:
        - name: delivery
          tasks: [{name: test}, {name: get-sli}, {name: approval}, {name: release}]
"""


def test_coverage_counts_built_ins_subscriptions_per_stage_and_integrations() -> None:
    shipyard = parse_document(SHIPYARD, Shipyard, "shipyard.yaml")
    found = list(subscriptions().values())

    missing = gaps("shop", shipyard, found, ["dynatrace"])
    assert [gap.said() for gap in missing] == [
        "stage dev, sequence delivery: task test",  # tests subscribes in staging only
        # dynatrace is a tool of yours: the evaluation's request, and a get-sli task
        "stage dev, sequence delivery: task get-sli of SLI provider dynatrace (asked by "
        "evaluation)",
        "stage staging, sequence delivery: task get-sli",
    ]
    with_cloudwatch = gaps("shop", shipyard, found, ["cloudwatch"])
    assert [gap.task for gap in with_cloudwatch] == ["test"]
    several = gaps("shop", shipyard, found, ["cloudwatch", "neoload"])
    assert [(gap.task, gap.provider) for gap in several] == [
        ("test", ""),
        ("evaluation", "neoload"),  # the evaluation's request to neoload: nothing answers it
        ("get-sli", ""),
    ]
    registered = Integration.model_validate(
        {
            "id": "i1",
            "name": "jes",
            "subscriptions": [
                {"id": "s1", "event": "sh.keptn.event.*.triggered", "filter": {"stages": ["dev"]}}
            ],
        }
    )
    assert (
        gaps("shop", shipyard, [*found, *registered.polled_subscriptions()], ["cloudwatch"]) == []
    )
    # A webhook.yaml entry counts where the caller says it runs; a `kind: webhook` service
    # without a hook counts only through such an entry (it has no rule of its own).
    webhook_files = parse_document(
        SHIPYARD.replace("{name: test}", "{name: page}"), Shipyard, "shipyard.yaml"
    )
    assert [gap.task for gap in gaps("shop", webhook_files, found, ["cloudwatch"])] == [
        "page",  # only webhook-service (kind webhook, no hook) names it
        "page",
    ]
    assert gaps(
        "shop",
        webhook_files,
        found,
        ["cloudwatch"],
        lambda stage, event_type: stage == "dev" and event_type == "sh.keptn.event.page.triggered",
    ) == [gaps("shop", webhook_files, found, ["cloudwatch"])[1]]
    assert built_in("approval", None) == "the approval service"
    assert built_in("get-sli", "prometheus") == "the built-in prometheus SLI provider"
    assert built_in("get-sli", "neoload") is None


def test_integration_ids_are_keptns() -> None:
    expected = hashlib.sha1(b"jes-keptn-node-1").hexdigest()

    assert integration_id("jes", "keptn", "node-1") == expected


RUNTIME = ContainerRuntime(
    cluster="tasks",
    subnets=("subnet-1",),
    security_groups=("sg-1",),
    public_ip=False,
    execution_role_arn="arn:aws:iam::111122223333:role/quartermaster-prod-task-execution",
    task_role_arn=None,
    log_group="/quartermaster/prod/tasks",
    region="eu-west-1",
    poll_seconds=15,
)
EVENT = {
    "id": "e1",
    "shkeptncontext": "c1",
    "data": {
        "project": "shop",
        "stage": "dev",
        "service": "cart",
        "deployment": {"deploymentURIsLocal": ["http://cart.dev:80"], "labels": {"a": "b"}},
        "ready": True,
    },
}


def test_the_environment_is_the_job_executors() -> None:
    executor = Executor(
        kind=ExecutorKind.IMAGE,
        image="x",
        env=(("MODE", "quick"),),
        env_from_event=(("URL", "$.data.deployment.deploymentURIsLocal[0]"), ("ALL", "$")),
    )

    environment = dict(job_environment(executor, EVENT))

    assert environment["KEPTN_PROJECT"] == "shop"
    assert environment["KEPTN_STAGE"] == "dev"
    assert environment["KEPTN_SERVICE"] == "cart"
    assert environment["MODE"] == "quick"
    assert environment["URL"] == "http://cart.dev:80"
    assert json.loads(environment["ALL"]) == EVENT
    assert event_value(EVENT, "$.data.deployment.labels") == '{"a":"b"}'
    assert event_value(EVENT, "$.data.ready") == "true"
    with pytest.raises(EventPathMissing, match=r"\$.data.nope is not in the event"):
        event_value(EVENT, "$.data.nope")


def test_the_task_definition_and_its_family() -> None:
    executor = Executor(
        kind=ExecutorKind.IMAGE, image="ghcr.io/acme/t:1", command=("/run",), args=("-v",)
    )
    family = task_family("prod", executor)

    definition = task_definition(family, executor, "tests", RUNTIME)

    assert family == task_family("prod", executor.model_copy(update={"env": (("A", "b"),)}))
    assert family != task_family("prod", executor.model_copy(update={"image": "ghcr.io/acme/t:2"}))
    (container,) = definition["containerDefinitions"]
    assert (container["entryPoint"], container["command"]) == (["/run"], ["-v"])
    assert container["logConfiguration"]["options"]["awslogs-stream-prefix"] == "tests"
    assert "taskRoleArn" not in definition
    assert logs_link(RUNTIME, "tests").endswith(
        "log-group/$252Fquartermaster$252Fprod$252Ftasks/log-events/tests$252Ftask$252F"
    )
    assert max_polls(executor.model_copy(update={"max_run_seconds": 61}), RUNTIME) == 5
    assert [said_duration(s) for s in (900, 5400, 90, 7)] == ["15m", "1h30m", "1m30s", "7s"]
