"""The deployment definition, offline: every handler the app registers is triggered once, has a
policy of its own and an on-failure path, the local (`sqs`) mode keeps every queue, and the
`chalice deploy` route's four stacks hold exactly what the packaged template holds besides
Chalice's own resources."""

from __future__ import annotations

import json
from typing import Any

import pytest

import app
from infra.definition import build_template, function_names, queue_names
from infra.handlers import HANDLERS, HandlerSpec
from infra.monitoring import dead_letter_queues
from infra.naming import (
    ASYNC_RETRIES,
    failure_queue_name,
    function_id,
    function_name,
    is_asynchronous,
    logical_id,
)
from infra.policies import CHALICE_DIR, policy_file

STAGE = "prod"
CHALICE_TYPES = {"AWS::Serverless::Function", "AWS::Serverless::Api"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    resources: dict[str, Any] = build_template(STAGE, "lambda")["Resources"]
    return resources


def _registered() -> dict[str, str]:
    """Function name -> handler string of every pure Lambda function the Chalice app has."""
    return {function.name: function.handler_string for function in app.app.pure_lambda_functions}


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {key: value for key, value in resources.items() if value.get("Type") == kind}


def _triggers(resources: dict[str, Any], spec: HandlerSpec) -> list[str]:
    """Logical ids of everything that invokes the handler's function."""
    function = function_id(spec.name)
    found = [
        rule_id
        for rule_id, rule in _of_type(resources, "AWS::Events::Rule").items()
        for target in rule["Properties"]["Targets"]
        if target["Arn"] == {"Fn::GetAtt": [function, "Arn"]}
    ]
    found += [
        mapping_id
        for mapping_id, mapping in _of_type(resources, "AWS::Lambda::EventSourceMapping").items()
        if mapping["Properties"]["FunctionName"] == {"Ref": function}
    ]
    # A targeted handler: the uniform's rules (made at run time) may invoke it.
    found += [
        permission_id
        for permission_id, permission in _of_type(resources, "AWS::Lambda::Permission").items()
        if permission["Properties"]["FunctionName"] == {"Ref": function}
        and "rule/quartermaster-prod/qm-prod-u-*" in str(permission["Properties"]["SourceArn"])
    ]
    return found


def test_every_registered_function_is_a_handler_spec() -> None:
    registered = _registered()
    specs = {spec.name: spec.entry.replace(":", ".") for spec in HANDLERS}
    assert registered == specs
    # Triggers come from the definition (custom bus), never from Chalice's own event sources,
    # which would only know the default bus and would invoke a handler twice.
    assert app.app.event_sources == []


@pytest.mark.parametrize("spec", HANDLERS, ids=lambda spec: spec.name)
def test_each_handler_has_its_trigger_and_targeted_ones_the_rules_permission(
    template: dict[str, Any], spec: HandlerSpec
) -> None:
    kinds = [
        spec.pattern is not None,
        spec.queue is not None,
        spec.schedule_seconds is not None,
    ]
    # Targeted: the uniform's rules invoke it, alone or beside a rule of its own.
    assert sum(kinds) == 1 or (spec.targeted and sum(kinds) == 0), (
        f"{spec.name} must have exactly one of pattern, queue, schedule (targeted may join a "
        "pattern)"
    )
    assert not (spec.targeted and spec.queue is not None)
    assert len(_triggers(template, spec)) == sum(kinds) + spec.targeted


@pytest.mark.parametrize("spec", HANDLERS, ids=lambda spec: spec.name)
def test_each_handler_has_an_on_failure_path(template: dict[str, Any], spec: HandlerSpec) -> None:
    function = function_id(spec.name)
    configs = [
        config["Properties"]
        for config in _of_type(template, "AWS::Lambda::EventInvokeConfig").values()
        if config["Properties"]["FunctionName"] == {"Ref": function}
    ]
    if is_asynchronous(spec):
        assert len(configs) == 1
        assert configs[0]["MaximumRetryAttempts"] == ASYNC_RETRIES == 2
        destination = configs[0]["DestinationConfig"]["OnFailure"]["Destination"]
        queue_id = destination["Fn::GetAtt"][0]
        queue = template[queue_id]
        assert queue["Type"] == "AWS::SQS::Queue"
        assert queue["Properties"]["QueueName"] == failure_queue_name(STAGE, spec.name)
        assert queue_id in dead_letter_queues(STAGE)
        return
    assert configs == []
    (mapping_id,) = _triggers(template, spec)
    source_id = template[mapping_id]["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
    source = template[source_id]["Properties"]
    dead_letters = source["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert template[dead_letters]["Type"] == "AWS::SQS::Queue"
    assert dead_letters in dead_letter_queues(STAGE)
    # Lambda refuses a mapping from a queue whose visibility is shorter than the function's
    # timeout; AWS advises six times it, which a handler may shorten only saying why.
    assert source["VisibilityTimeout"] == spec.queue_visibility_s > spec.timeout_s
    if spec.visibility_s is None:
        assert source["VisibilityTimeout"] >= 6 * spec.timeout_s
    assert spec.reserved_concurrency >= 2, "an event source mapping runs at least 2 pollers"


def test_every_dead_letter_queue_and_function_has_an_alarm(template: dict[str, Any]) -> None:
    alarms = _of_type(template, "AWS::CloudWatch::Alarm").values()
    watched = {
        str(dimension["Value"])
        for alarm in alarms
        for dimension in alarm["Properties"]["Dimensions"]
    }
    for queue_id in dead_letter_queues(STAGE):
        # By the name the queue resource has (the alarms may be in another stack than it).
        assert template[queue_id]["Properties"]["QueueName"] in watched, queue_id
    for name in function_names():
        assert function_name(STAGE, name) in watched
    # The watcher's timeouts (chalicelib/observability.py metrics carry `service`).
    timed_out = _of_type(template, "AWS::CloudWatch::Alarm")["SequencesTimedOutAlarm"]
    assert timed_out["Properties"]["Namespace"] == "Quartermaster"
    assert timed_out["Properties"]["MetricName"] == "SequencesTimedOut"


def test_each_function_is_named_and_logs_to_a_group_with_retention(
    template: dict[str, Any],
) -> None:
    for name in function_names():
        overlay = template[function_id(name)]
        assert overlay["Properties"]["FunctionName"] == function_name(STAGE, name)
        group = template[overlay["DependsOn"][0]]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["LogGroupName"] == f"/aws/lambda/{function_name(STAGE, name)}"
        assert group["Properties"]["RetentionInDays"] > 0


def test_only_chalice_resources_are_merged_without_a_type(template: dict[str, Any]) -> None:
    """Entries without a Type are merged into what `chalice package` generates: they must name
    its resources exactly, or the merged template would hold a resource without a Type."""
    untyped = {key for key, value in template.items() if "Type" not in value}
    assert untyped == {function_id(name) for name in function_names()} | {"RestAPI"}


def test_every_suppressed_check_says_why(template: dict[str, Any]) -> None:
    skips = [
        skip
        for resource in template.values()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for skip in skips:
        assert skip["id"].startswith("CKV_")
        assert len(skip["comment"]) > 40


def test_every_function_has_its_policy_file_and_settings() -> None:
    config = json.loads((CHALICE_DIR / "config.json").read_text())
    assert config["autogen_policy"] is False
    for stage, settings in config["stages"].items():
        functions = settings["lambda_functions"]
        assert set(functions) == set(function_names())
        for name, entry in functions.items():
            assert entry["iam_policy_file"] == policy_file(stage, name)
            assert (CHALICE_DIR / entry["iam_policy_file"]).is_file()
            assert entry["lambda_memory_size"] >= 128
            assert 1 <= entry["lambda_timeout"] <= 900
            assert entry["reserved_concurrency"] >= 1
    # API Gateway gives up after 29 s: a longer API timeout would only hide a hung request.
    assert config["stages"]["prod"]["lambda_functions"]["api_handler"]["lambda_timeout"] <= 29


def test_sqs_mode_keeps_every_handler_queue_and_nothing_of_a_deployment() -> None:
    resources = build_template("test", "sqs")["Resources"]
    queues = {
        queue["Properties"]["QueueName"]: queue_id
        for queue_id, queue in _of_type(resources, "AWS::SQS::Queue").items()
    }
    expected = queue_names("test")
    assert set(expected) == {spec.name for spec in HANDLERS if spec.schedule_seconds is None}
    for spec in HANDLERS:
        if spec.name not in expected:
            continue
        queue_id = queues[expected[spec.name]]
        assert "RedrivePolicy" in resources[queue_id]["Properties"]
        if spec.pattern is not None:
            rule = resources[f"{logical_id(spec.name)}Rule"]["Properties"]
            assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    # moto's CloudFormation builds this template: only plain resources, all with a Type.
    assert all("Type" in resource for resource in resources.values())
    kinds = {resource["Type"] for resource in resources.values()}
    assert kinds <= {
        "AWS::Events::EventBus",
        "AWS::Events::Rule",
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
    }
    assert not CHALICE_TYPES & kinds
