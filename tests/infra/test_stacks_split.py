"""The `chalice deploy` route: the bootstrap stack (before the functions exist) and the wiring
stack (after) hold exactly what the packaged template holds besides Chalice's own resources,
pass cfn-lint, and the bootstrap template fits in a CreateStack call; the idempotency table is
in every stack that holds tables."""

from __future__ import annotations

from typing import Any

import pytest
from cfnlint.api import lint_all  # type: ignore[import-untyped]

from chalicelib.settings import Settings
from infra.definition import TemplateMode, build_template, template_json
from infra.handlers import HANDLERS
from infra.naming import function_id, function_name, is_asynchronous
from infra.stacks import INLINE_TEMPLATE_LIMIT, template_body
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
    """A rule targeting the deployed function by ARN, or a queue mapping naming it."""
    properties = resource["Properties"]
    if resource["Type"] == "AWS::Events::Rule":
        arn = {"Fn::Sub": f"{LAMBDA_ARN}:function:{function}"}
        return bool(properties["Targets"][0]["Arn"] == arn)
    if resource["Type"] == "AWS::Lambda::EventSourceMapping":
        return bool(properties["FunctionName"] == function)
    return False


def test_the_two_stacks_hold_what_the_packaged_template_holds() -> None:
    packaged = _resources("lambda")
    bootstrap, wiring = _resources("bootstrap"), _resources("wiring")
    chalice_overlays = {key for key, value in packaged.items() if "Type" not in value}
    # The Bridge is served by the packaged template's REST API only: `chalice deploy` writes
    # its own API, without the bucket's methods (docs/bridge.md says so).
    bridge = {"BridgeBucket", "BridgeBucketPolicy", "BridgeReadRole"}
    assert not set(bootstrap) & set(wiring)
    assert set(bootstrap) | set(wiring) == set(packaged) - chalice_overlays - bridge
    for key, resource in {**bootstrap, **wiring}.items():
        assert resource["Type"] == packaged[key]["Type"], key


def test_bootstrap_invokes_nothing_and_names_functions_only_by_name() -> None:
    bootstrap = _resources("bootstrap")
    assert not {resource["Type"] for resource in bootstrap.values()} & INVOKING
    for key, resource in bootstrap.items():
        assert _references(resource) <= set(bootstrap), key
    assert len(template_body(STAGE, "bootstrap").encode()) < INLINE_TEMPLATE_LIMIT


def test_wiring_targets_the_deployed_functions_by_arn() -> None:
    wiring = _resources("wiring")
    assert {resource["Type"] for resource in wiring.values()} <= INVOKING
    for key, resource in wiring.items():
        assert _references(resource) <= set(wiring), key  # nothing of the bootstrap stack by id
    for spec in HANDLERS:
        name = function_name(STAGE, spec.name)
        triggers = [key for key, resource in wiring.items() if _invokes(resource, name)]
        assert len(triggers) == 1, spec.name
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


@pytest.mark.parametrize("mode", ["bootstrap", "wiring"])
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
