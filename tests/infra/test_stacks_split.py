"""The `chalice deploy` route: the bootstrap, alarms and dashboard stacks (before the functions
exist) and the wiring stack (after) hold exactly what the packaged template holds besides
Chalice's own resources, pass cfn-lint, and each template fits in a CreateStack call with a
tenth of the limit to spare, whatever the stage's name; the idempotency table is in every stack
that holds tables."""

from __future__ import annotations

from typing import Any

import pytest
from cfnlint.api import lint_all  # type: ignore[import-untyped]

from chalicelib.settings import Settings
from infra.definition import TemplateMode, build_template, template_json
from infra.handlers import HANDLERS
from infra.naming import function_id, function_name, is_asynchronous
from infra.stacks import INLINE_TEMPLATE_LIMIT, STACKS, template_body
from infra.tables import IDEMPOTENCY_EXPIRY, IDEMPOTENCY_KEY

STAGE = "prod"
LAMBDA_ARN = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}"
INVOKING = {
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Events::Rule",
}


def _resources(mode: TemplateMode) -> dict[str, Any]:
    resources: dict[str, Any] = build_template(STAGE, mode)["Resources"]
    return resources


def _references(value: Any) -> set[str]:
    """Logical ids a Ref or Fn::GetAtt in `value` points to."""
    if isinstance(value, dict):
        found: set[str] = set()
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str) and not inner.startswith("AWS::"):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0])
            else:
                found |= _references(inner)
        return found
    if isinstance(value, list):
        return set().union(*(_references(item) for item in value)) if value else set()
    return set()


def _invokes(resource: dict[str, Any], function: str) -> bool:
    """A rule targeting the deployed function by ARN, a queue mapping naming it, or (for a
    handler the uniform's rules invoke) the permission for those rules."""
    properties = resource["Properties"]
    if resource["Type"] == "AWS::Events::Rule":
        arn = {"Fn::Sub": f"{LAMBDA_ARN}:function:{function}"}
        return bool(properties["Targets"][0]["Arn"] == arn)
    if resource["Type"] == "AWS::Lambda::EventSourceMapping":
        return bool(properties["FunctionName"] == function)
    if resource["Type"] == "AWS::Lambda::Permission":
        rules = f"rule/quartermaster-{STAGE}/qm-{STAGE}-u-*"
        return properties["FunctionName"] == function and rules in str(properties["SourceArn"])
    return False


def test_the_four_stacks_hold_what_the_packaged_template_holds() -> None:
    packaged = _resources("lambda")
    stacks = {mode: _resources(mode) for mode in STACKS}
    chalice_overlays = {key for key, value in packaged.items() if "Type" not in value}
    # The Bridge is served by the packaged template's REST API only: `chalice deploy` writes
    # its own API, without the bucket's methods (docs/bridge.md says so).
    bridge = {"BridgeBucket", "BridgeBucketPolicy", "BridgeReadRole"}
    held = [key for resources in stacks.values() for key in resources]
    assert len(held) == len(set(held))  # no resource in two stacks
    assert set(held) == set(packaged) - chalice_overlays - bridge
    for mode, resources in stacks.items():
        for key, resource in resources.items():
            assert resource["Type"] == packaged[key]["Type"], (mode, key)


@pytest.mark.parametrize("mode", ["bootstrap", "alarms", "dashboard"])
def test_the_stacks_before_the_functions_invoke_nothing_and_name_others_only_by_name(
    mode: TemplateMode,
) -> None:
    resources = _resources(mode)
    assert not {resource["Type"] for resource in resources.values()} & INVOKING
    for key, resource in resources.items():
        assert _references(resource) <= set(resources), key


def _longest_stage() -> str:
    """The longest stage name the function names allow (64 characters for
    `quartermaster-<stage>-<handler>`): names carry the stage, so the templates grow with it."""
    longest_handler = max(len(spec.name) for spec in HANDLERS)
    return "s" * (64 - len(function_name("", "")) - longest_handler)


@pytest.mark.parametrize("stage", ["dev", "prod", _longest_stage()])
@pytest.mark.parametrize("mode", STACKS)
def test_every_template_qm_aws_sends_leaves_a_tenth_of_the_inline_limit(
    mode: TemplateMode, stage: str
) -> None:
    size = len(template_body(stage, mode).encode())
    assert size < 0.9 * INLINE_TEMPLATE_LIMIT, (
        f"the {mode} template of stage {stage!r} is {size} bytes, within a tenth of "
        f"CloudFormation's {INLINE_TEMPLATE_LIMIT}: move resources to another stack "
        "(infra/definition.py, infra/stacks.py STACKS) before the next handler takes it over"
    )


def test_wiring_targets_the_deployed_functions_by_arn() -> None:
    wiring = _resources("wiring")
    assert {resource["Type"] for resource in wiring.values()} <= INVOKING
    for key, resource in wiring.items():
        assert _references(resource) <= set(wiring), key  # nothing of the bootstrap stack by id
    for spec in HANDLERS:
        name = function_name(STAGE, spec.name)
        triggers = [key for key, resource in wiring.items() if _invokes(resource, name)]
        # A targeted handler with a rule of its own: that rule, and the uniform's rules' permission.
        assert len(triggers) == 1 + (spec.targeted and spec.pattern is not None), spec.name
        if is_asynchronous(spec):
            config = wiring[f"{function_id(spec.name)}InvokeConfig"]["Properties"]
            assert config["FunctionName"] == name
            destination = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::Sub"]
            assert destination.endswith(f":quartermaster-{STAGE}-{spec.name}-failed")
    # The rules live on the bootstrap stack's bus, named literally.
    buses = {
        resource["Properties"].get("EventBusName")
        for resource in wiring.values()
        if resource["Type"] == "AWS::Events::Rule"
    }
    # The reconciler's rule is on the default bus, where Step Functions reports executions.
    assert buses == {f"quartermaster-{STAGE}", "default"}


@pytest.mark.parametrize("mode", STACKS)
def test_the_stacks_pass_cfn_lint(mode: TemplateMode) -> None:
    problems = [match for match in lint_all(template_json(STAGE, mode)) if match.rule.id[0] in "EW"]
    assert problems == []


@pytest.mark.parametrize("mode", ["lambda", "sqs", "bootstrap"])
def test_the_idempotency_table_is_what_powertools_and_settings_expect(
    mode: TemplateMode,
) -> None:
    table = _resources(mode)["IdempotencyTable"]
    properties = table["Properties"]
    assert properties["TableName"] == Settings(stage=STAGE).idempotency_table
    assert properties["KeySchema"] == [{"AttributeName": IDEMPOTENCY_KEY, "KeyType": "HASH"}]
    assert IDEMPOTENCY_KEY == "id"  # DynamoDBPersistenceLayer's default key_attr
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": IDEMPOTENCY_EXPIRY,
        "Enabled": True,
    }
    assert IDEMPOTENCY_EXPIRY == "expiration"  # its default expiry_attr
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
    assert properties["SSESpecification"]["SSEEnabled"]
