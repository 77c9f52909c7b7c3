"""Deliveries that deploy to Lambda on moto, every strategy: the alias's routing after every
step, the canary's state machine really executing, evaluations gating the steps on the new
version's own metrics, and what a failing step leaves behind.

moto records alias routing but does not split traffic, so "after every step" means the routing
the alias holds while the step bakes (each lasts at least its bake time; the harness reads the
alias between deliveries and notes every change).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import container
from chalicelib.domain.evaluations import BaselineFilter
from tests.integration.deploy_harness import (
    DeployFlow,
    Functions,
    deploy_flow,
    put_lambda_metrics,
    target_yaml,
)

LAMBDA_SLI = """\
spec_version: "1.0"
indicators:
  error_rate: |
    expression: 100 * errors / invocations
    metrics:
      errors:
        namespace: AWS/Lambda
        metric: Errors
        dimensions:
          {FunctionName: $FUNCTION, Resource: "$FUNCTION:$ALIAS", ExecutedVersion: $VERSION}
        stat: Sum
      invocations:
        namespace: AWS/Lambda
        metric: Invocations
        dimensions:
          {FunctionName: $FUNCTION, Resource: "$FUNCTION:$ALIAS", ExecutedVersion: $VERSION}
        stat: Sum
  errors: |
    namespace: AWS/Lambda
    metric: Errors
    dimensions: {FunctionName: $FUNCTION, Resource: "$FUNCTION:$ALIAS", ExecutedVersion: $VERSION}
    stat: Sum
"""
LAMBDA_SLO = """\
spec_version: "1.0"
comparison:
  compare_with: single_result
  include_result_with_score: pass
  number_of_comparison_results: 1
  aggregate_function: avg
objectives:
  - sli: errors
    key_sli: true
    pass:
      - criteria: ["<=2"]
total_score:
  pass: "90%"
  warning: "75%"
"""


def _service(flow: DeployFlow) -> dict[str, Any]:
    status, body = flow.api.call("GET", "/v1/project/shop/stage/dev/service/cart")
    assert status == 200, body
    return dict(body)


def _execution(name_prefix: str = "canary-") -> dict[str, Any]:
    sfn = boto3.client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        if "-canary_v" not in machine["name"]:
            continue
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])[
            "executions"
        ]:
            if execution["name"].startswith(name_prefix):
                described: dict[str, Any] = sfn.describe_execution(
                    executionArn=execution["executionArn"]
                )
                history = sfn.get_execution_history(executionArn=execution["executionArn"])
                described["entered"] = [
                    event["stateEnteredEventDetails"]["name"]
                    for event in history["events"]
                    if "stateEnteredEventDetails" in event
                ]
                return described
    raise AssertionError("no canary execution")


def test_direct_moves_the_alias_at_once_and_reports_keptns_fields(aws: None) -> None:
    with deploy_flow("direct") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"), image="carts:1.1.0")
        seen = flow.watch(lambda: flow.flow.finished(context, "dev", "delivery"))
        assert seen == [("1", None, 0.0), ("2", None, 0.0)]
        finished = flow.of_type(context, "deployment.finished")[0]["data"]
        assert (finished["result"], finished["status"]) == ("pass", "succeeded")
        block = finished["deployment"]
        assert block["deploymentstrategy"] == "direct"
        assert block["deploymentNames"] == ["carts:live"]
        assert block["deploymentURIsLocal"] == [
            "arn:aws:lambda:us-east-1:123456789012:function:carts:live"
        ]
        assert block["deploymentURIsPublic"] == []
        assert (block["version"], block["previousVersion"]) == ("2", "1")
        assert finished["message"].startswith("version 2 deployed on Lambda function 'carts'")
        release = flow.of_type(context, "release.finished")[0]["data"]
        assert release["message"].startswith("nothing staged on Lambda function 'carts'")
        delivery = flow.flow.finished(context, "dev", "delivery")
        assert delivery is not None
        assert delivery["data"]["result"] == "pass"
        service = _service(flow)
        assert service["deployment"]["version"] == "2"
        assert service["deployedImage"] == "carts:1.1.0"
        assert service["deployment"]["keptnContext"] == context
        assert service["previousDeployment"] == {
            "version": "1",
            "target": "lambda: function carts, alias live, version 1",
        }
        assert "sh.keptn.event.deployment.finished" in service["lastEventTypes"]


def test_blue_green_stages_at_zero_and_release_switches(aws: None) -> None:
    with deploy_flow("blue_green_service") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        seen = flow.watch(lambda: flow.flow.finished(context, "dev", "delivery"))
        assert seen == [("1", None, 0.0), ("1", "2", 0.0), ("2", None, 0.0)]
        deployed = flow.of_type(context, "deployment.finished")[0]["data"]
        assert deployed["deployment"]["deploymentURIsLocal"] == [
            "arn:aws:lambda:us-east-1:123456789012:function:carts:2"
        ]
        assert "staged on Lambda function 'carts'" in deployed["message"]
        released = flow.of_type(context, "release.finished")[0]["data"]
        assert released["release"]["version"] == "2"
        assert released["release"]["previousVersion"] == "1"
        assert released["message"].startswith("version 2 released")
        assert _service(flow)["deployment"]["version"] == "2"


def test_blue_green_rollback_discards_the_staged_version(aws: None) -> None:
    with deploy_flow("blue_green_service", test_task=True) as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        test = flow.flow.wait_task(context, "test")
        assert flow.functions.routing() == ("1", "2", 0.0)
        assert _service(flow)["stagedDeployment"]["version"] == "2"
        flow.flow.answer(test, result="fail")
        seen = flow.watch(lambda: flow.of_type(context, "rollback.finished"))
        assert seen[-1] == ("1", None, 0.0)
        rolled = flow.of_type(context, "rollback.finished")[0]["data"]
        assert rolled["rollback"] == {"changed": True, "restored": "1", "discarded": "2"}
        service = _service(flow)
        assert "stagedDeployment" not in service
        assert service.get("deployment", {}).get("version") != "2"


def test_a_canary_shifts_step_by_step_on_its_own_execution(aws: None) -> None:
    with deploy_flow("canary", steps=[10, 50, 100], interval="1s") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        seen = flow.watch(lambda: flow.flow.finished(context, "dev", "delivery"))
        assert seen == [
            ("1", None, 0.0),
            ("1", "2", 0.0),
            ("1", "2", 10.0),
            ("1", "2", 50.0),
            ("2", None, 0.0),
        ]
        execution = _execution()
        assert execution["status"] == "SUCCEEDED"
        assert execution["entered"] == [
            "Shift 1 (10%)",
            "Check shift 1",
            "Bake 1 (1s)",
            "Evaluate 1",
            "Check 1",
            "Shift 2 (50%)",
            "Check shift 2",
            "Bake 2 (1s)",
            "Evaluate 2",
            "Check 2",
            "Promote",
            "Check promotion",
            "Finish",
        ]
        finished = flow.of_type(context, "deployment.finished")[0]["data"]
        assert finished["result"] == "pass"
        assert "promoted" in finished["message"]
        # No SLO file: each step passed on its bake time, and the message says so.
        assert finished["message"].count("passed on its bake time alone") == 2
        # Each step's evaluation is in the run's timeline and the service's history, marked,
        # and never a baseline for later quality gates.
        evaluations = flow.of_type(context, "evaluation.finished")
        assert [e["data"]["evaluation"]["canary"]["step"] for e in evaluations] == [1, 2]
        status, history = flow.api.call("GET", "/v1/project/shop/stage/dev/service/cart/evaluation")
        assert status == 200
        assert {entry["evaluation"]["canary"]["weight"] for entry in history["evaluations"]} == {
            10.0,
            50.0,
        }
        baselines = container().evaluations.baselines("shop", "dev", "cart", BaselineFilter.ALL, 10)
        assert baselines == []


PRESETS = {
    "Canary10Percent5Minutes": [10.0],
    "Canary10Percent10Minutes": [10.0],
    "Canary10Percent15Minutes": [10.0],
    "Canary10Percent30Minutes": [10.0],
    "Linear10PercentEvery1Minute": [10.0 * step for step in range(1, 10)],
    "Linear10PercentEvery2Minutes": [10.0 * step for step in range(1, 10)],
    "Linear10PercentEvery3Minutes": [10.0 * step for step in range(1, 10)],
    "Linear10PercentEvery10Minutes": [10.0 * step for step in range(1, 10)],
    "AllAtOnce": [],
}


def test_every_codedeploy_preset_shifts_its_own_steps(aws: None) -> None:
    """All nine at once, each in a stage of its own with a function of its own; `interval: 1s`
    replaces the presets' minutes (their bake times are unit-tested with the plans)."""
    from tests.integration.deploy_harness import presets_flow

    with presets_flow(list(PRESETS)) as flow:
        functions = Functions()
        contexts = {}
        for index, preset in enumerate(PRESETS):
            stage = f"s{index}"
            functions.create(f"carts-{index}")
            flow.upload(
                "target.yaml",
                target_yaml(f"carts-{index}"),
                where=f"/v1/project/shop/stage/{stage}/service/cart",
            )
            uri = functions.artifact(f"{preset}")
            contexts[preset] = flow.flow.trigger(
                stage, "delivery", data={"configurationChange": {"values": {"artifact": uri}}}
            )
        seen = flow.watch_many(
            {preset: f"carts-{index}" for index, preset in enumerate(PRESETS)},
            lambda: all(
                flow.of_type(context, "deployment.finished") for context in contexts.values()
            ),
            timeout=150,
        )
        for preset, weights in PRESETS.items():
            expected: list[tuple[str, str | None, float]] = [("1", None, 0.0)]
            if weights:
                expected.append(("1", "2", 0.0))
                expected.extend(("1", "2", weight) for weight in weights)
            expected.append(("2", None, 0.0))
            assert seen[preset] == expected, preset
            finished = flow.of_type(contexts[preset], "deployment.finished")[0]["data"]
            assert finished["result"] == "pass", (preset, finished["message"])
            assert finished["deployment"]["deploymentstrategy"] == preset


def _gated(flow: DeployFlow, errors_of_new_version: float) -> str:
    flow.functions.create()
    flow.upload("target.yaml", target_yaml())
    flow.upload("slo.yaml", LAMBDA_SLO)
    flow.upload("cloudwatch/sli.yaml", LAMBDA_SLI)
    assert flow.api.call("PUT", "/v1/project/shop/monitoring", {"provider": "cloudwatch"})[0] == 200
    cloudwatch = boto3.client("cloudwatch")
    # The old version fails a lot and the new one as told: the SLIs must read version 2 only.
    put_lambda_metrics(cloudwatch, "carts", "live", "1", errors=50, invocations=100)
    put_lambda_metrics(
        cloudwatch, "carts", "live", "2", errors=errors_of_new_version, invocations=100
    )
    return flow.deliver(artifact=flow.functions.artifact("1.1.0"))


def test_a_canary_gated_on_the_new_versions_metrics_is_promoted(aws: None) -> None:
    with deploy_flow("canary", steps=[20, 100], interval="1s") as flow:
        context = _gated(flow, errors_of_new_version=1)
        seen = flow.watch(lambda: flow.of_type(context, "deployment.finished"))
        assert seen[-1] == ("2", None, 0.0)
        finished = flow.of_type(context, "deployment.finished")[0]["data"]
        assert finished["result"] == "pass", finished["message"]
        assert "step 1 of 2 (20%): score 100, pass" in finished["message"]
        get_sli = flow.of_type(context, "get-sli.triggered")[0]["data"]["get-sli"]
        filters = {entry["key"]: entry["value"] for entry in get_sli["customFilters"]}
        assert filters == {"FUNCTION": "carts", "ALIAS": "live", "VERSION": "2"}


def test_a_failing_step_shifts_all_traffic_back_and_fails_the_task(aws: None) -> None:
    with deploy_flow("canary", steps=[10, 50, 100], interval="1s") as flow:
        context = _gated(flow, errors_of_new_version=9)
        seen = flow.watch(lambda: flow.of_type(context, "rollback.finished"))
        assert seen == [("1", None, 0.0), ("1", "2", 0.0), ("1", "2", 10.0), ("1", None, 0.0)]
        finished = flow.of_type(context, "deployment.finished")[0]["data"]
        assert (finished["result"], finished["status"]) == ("fail", "succeeded")
        message = finished["message"]
        assert "stopped at step 1 (10%): score 0, failing SLIs: errors" in message
        assert "all traffic went back to version 1" in message
        assert _execution()["status"] == "SUCCEEDED"
        assert "Roll back" in _execution()["entered"]
        # The chained rollback finds version 1 running already: nothing to undo.
        rolled = flow.of_type(context, "rollback.finished")[0]["data"]
        assert rolled["rollback"] == {"changed": False}
        assert "nothing changed" in rolled["message"]
        assert _service(flow).get("deployment", {}).get("version") != "2"


def test_an_unreachable_sli_provider_rolls_the_canary_back_errored(aws: None) -> None:
    with deploy_flow("canary", steps=[10, 100], interval="1s") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        flow.upload("slo.yaml", LAMBDA_SLO)
        flow.upload("prometheus/sli.yaml", "indicators:\n  errors: sum(errors)\n")
        settings = {"provider": "prometheus", "url": "http://127.0.0.1:9"}
        assert flow.api.call("PUT", "/v1/project/shop/monitoring", settings)[0] == 200
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        seen = flow.watch(lambda: flow.of_type(context, "deployment.finished"))
        assert seen[-1] == ("1", None, 0.0)
        finished = flow.of_type(context, "deployment.finished")[0]["data"]
        assert (finished["result"], finished["status"]) == ("fail", "errored")
        assert "Prometheus at http://127.0.0.1:9 did not answer" in finished["message"]


def test_the_canary_reports_steps_json_serialisable(aws: None) -> None:
    with deploy_flow("Canary10Percent5Minutes", interval="1s") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        flow.watch(lambda: flow.of_type(context, "deployment.finished"))
        record = container().deployments
        assert record is not None
        triggered = flow.flow.triggered(context, "deployment")[0]
        stored = record.get(triggered["id"])
        assert stored is not None
        assert json.loads(stored.model_dump_json())["steps"][0]["weight"] == 10.0


@pytest.mark.parametrize("strategy", ["user_managed"])
def test_user_managed_leaves_the_task_to_the_users_tool(aws: None, strategy: str) -> None:
    with deploy_flow(strategy) as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        triggered = flow.flow.wait_task(context, "deployment")
        flow.flow.settle(1.0)
        assert flow.of_type(context, "deployment.started") == []
        assert flow.functions.routing() == ("1", None, 0.0)
        flow.flow.answer(triggered)  # the user's tool
        assert flow.flow.wait_task(context, "release")


def test_a_target_in_another_account_is_deployed_through_its_role(aws: None) -> None:
    role = "arn:aws:iam::111122223333:role/qm-deployer"
    credentials = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="setup")[
        "Credentials"
    ]
    there = Functions(
        boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        ),
        bucket="other-account-artifacts",
    )
    with deploy_flow("canary", steps=[50, 100], interval="1s") as flow:
        arn = there.create()
        flow.upload("target.yaml", target_yaml(arn, roleArn=role, externalId="shop-deployer"))
        context = flow.deliver(artifact=there.artifact("1.1.0"))
        flow.flow.pump(lambda: flow.of_type(context, "deployment.finished"), timeout=60)
        finished = flow.of_type(context, "deployment.finished")[0]["data"]
        assert finished["result"] == "pass", finished["message"]
        assert "in 111122223333" in finished["message"]
        assert there.routing() == ("2", None, 0.0)
        assert boto3.client("lambda").list_functions()["Functions"] == []  # none of our own


def test_a_canary_execution_stopped_outside_ends_errored_and_restores(aws: None) -> None:
    from qm.local.executions import ExecutionReporter
    from tests.integration.conftest import STAGE

    with deploy_flow("canary", steps=[10, 100], interval="60s") as flow:
        flow.functions.create()
        flow.upload("target.yaml", target_yaml())
        context = flow.deliver(artifact=flow.functions.artifact("1.1.0"))
        flow.watch(lambda: flow.functions.routing() == ("1", "2", 10.0))  # baking step 1
        sfn = boto3.client("stepfunctions")
        running = _execution()
        sfn.stop_execution(executionArn=running["executionArn"], cause="stopped by hand")
        reporter = ExecutionReporter(sfn, boto3.client("events"), STAGE)

        def ended() -> list[dict[str, Any]]:
            reporter.report()  # as the local runtime does: Step Functions' status changes
            return flow.of_type(context, "deployment.finished")

        flow.flow.pump(ended)
        finished = flow.of_type(context, "deployment.finished")[0]["data"]
        assert (finished["result"], finished["status"]) == ("fail", "errored")
        assert finished["message"].startswith("the canary's execution ended ABORTED")
        assert "version 1 takes all traffic" in finished["message"]
        assert flow.functions.routing() == ("1", None, 0.0)
