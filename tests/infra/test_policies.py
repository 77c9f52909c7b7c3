"""Least privilege: one policy per function, written from infra/policies.py, nothing on `*` but
the actions IAM cannot scope, and the committed files are what the generator writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.access import ACCESS
from infra.definition import function_names
from infra.handlers import HANDLERS
from infra.naming import is_deduplicated
from infra.policies import CHALICE_DIR, UNSCOPED_ACTIONS, generated, policy

STAGES = sorted(json.loads((CHALICE_DIR / "config.json").read_text())["stages"])


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _policies() -> list[tuple[str, str, dict[str, Any]]]:
    return [(stage, name, policy(stage, name)) for stage in STAGES for name in function_names()]


def test_committed_policies_and_config_are_generated() -> None:
    expected = generated()
    on_disk = {path.name for path in CHALICE_DIR.glob("policy-*.json")} | {"config.json"}
    assert on_disk == set(expected), "run `python -m infra.policies --write`"
    for file_name, content in expected.items():
        assert (CHALICE_DIR / file_name).read_text() == content, (
            f".chalice/{file_name} is stale: run `python -m infra.policies --write`"
        )


def test_every_function_has_an_access_entry() -> None:
    assert set(ACCESS) == set(function_names())


@pytest.mark.parametrize(("stage", "name", "document"), _policies())
def test_no_wildcard_action_and_star_only_for_unscoped_actions(
    stage: str, name: str, document: dict[str, Any]
) -> None:
    for statement in _statements(document):
        assert statement["Effect"] == "Allow"
        actions = _listed(statement["Action"])
        resources = _listed(statement["Resource"])
        assert all("*" not in action for action in actions), statement
        if "*" in resources:
            assert resources == ["*"]
            assert set(actions) <= set(UNSCOPED_ACTIONS), statement


@pytest.mark.parametrize(("stage", "name", "document"), _policies())
def test_every_resource_belongs_to_the_stage(
    stage: str, name: str, document: dict[str, Any]
) -> None:
    own = (
        f"quartermaster-{stage}",
        f"quartermaster/{stage}/",
        f"qm-{stage}-",
    )
    for statement in _statements(document):
        for resource in _listed(statement["Resource"]):
            if resource == "*":
                continue
            assert any(marker in resource for marker in own), resource
            other_stages = [other for other in STAGES if other != stage]
            assert all(f"quartermaster-{other}-" not in resource for other in other_stages)


def test_handlers_only_get_what_they_use() -> None:
    """Spot checks of the table in infra/access.py against what the handlers call."""

    def actions(name: str) -> set[str]:
        """Its actions besides the idempotency records' (next test)."""
        return {
            action
            for statement in _statements(policy("prod", name))
            if statement["Sid"] != "IdempotencyTable"
            for action in _listed(statement["Action"])
        }

    assert actions("recorder") == {
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:PutItem",
        # What runs where: a service's state read and updated, a deployment's .triggered read.
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "sqs:SendMessage",
    }
    assert "events:PutEvents" in actions("approval")
    assert not any(
        action.startswith("dynamodb:") and action not in ("dynamodb:GetItem", "dynamodb:Query")
        for action in actions("approval")
    )
    assert "states:SendTaskSuccess" in actions("task-events")
    assert "events:PutEvents" not in actions("task-events")
    assert "sqs:ReceiveMessage" in actions("dispatcher")
    # Secret values: the API (secret management), the SLI provider (Prometheus credentials) and
    # the webhook executor (its envFrom secrets and the approval links' key).
    assert "secretsmanager:GetSecretValue" in actions("sli-provider")
    assert "cloudwatch:GetMetricData" in actions("sli-provider")
    assert "cloudwatch:GetMetricData" not in actions("lighthouse")
    for name in function_names():
        if name not in ("api_handler", "sli-provider", "webhooks"):
            assert "secretsmanager:GetSecretValue" not in actions(name), name
        if name != "api_handler":
            assert "dynamodb:BatchWriteItem" not in actions(name), name


def test_handlers_that_keep_idempotency_records_may_write_exactly_those() -> None:
    """Powertools' DynamoDBPersistenceLayer: conditional put, get, update, delete; only on the
    idempotency table, and only for the handlers chalicelib/idempotency.py keys (not the API)."""
    deduplicated = {spec.name for spec in HANDLERS if is_deduplicated(spec)}
    # Their own conditional writes, or resumable: a redelivery finishes what is left.
    by_design = {"recorder", "task-events", "dispatcher", "sequencer", "finisher", "webhooks"}
    by_design |= {"deployer", "canary-steps", "canary-watch"}
    assert deduplicated == {spec.name for spec in HANDLERS} - by_design
    for name in function_names():
        grants = [s for s in _statements(policy("prod", name)) if s["Sid"] == "IdempotencyTable"]
        if name == "webhooks":  # its delivery journal, not Powertools' records
            (journal,) = grants
            assert set(_listed(journal["Action"])) == {
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
            }
            continue
        if name not in deduplicated:
            assert grants == [], name
            continue
        (grant,) = grants
        assert set(_listed(grant["Action"])) == {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        }
        assert grant["Resource"] == "arn:aws:dynamodb:*:*:table/quartermaster-prod-idempotency"


def test_the_deployment_executor_may_change_only_the_listed_targets() -> None:
    from infra.policies import TargetLists

    targets = TargetLists(
        functions=("carts", "arn:aws:lambda:eu-west-1:111122223333:function:orders"),
        roles=("arn:aws:iam::111122223333:role/qm-deployer",),
        clusters=("shop",),
        buckets=("shop-artifacts",),
        repositories=("carts",),
    )
    for name in ("deployer", "canary-steps", "canary-watch"):
        statements = {s["Sid"]: s for s in _statements(policy("prod", name, targets))}
        assert _listed(statements["LambdaTargets"]["Resource"]) == [
            "arn:aws:lambda:*:*:function:carts",
            "arn:aws:lambda:*:*:function:carts:*",
            "arn:aws:lambda:eu-west-1:111122223333:function:orders",
            "arn:aws:lambda:eu-west-1:111122223333:function:orders:*",
        ]
        assert "lambda:UpdateAlias" in statements["LambdaTargets"]["Action"]
        assert statements["TargetRoles"]["Resource"] == "arn:aws:iam::111122223333:role/qm-deployer"
        assert statements["ArtifactBuckets"]["Resource"] == "arn:aws:s3:::shop-artifacts/*"
        assert statements["EksTargets"]["Resource"] == "arn:aws:eks:*:*:cluster/shop"
        passed = [s for s in statements.values() if "iam:PassRole" in _listed(s["Action"])]
        for statement in passed:  # the canary machines' role, never "*"
            assert statement["Resource"] == "arn:aws:iam::*:role/quartermaster-prod-states"
    # Nothing listed, nothing granted: the executor then refuses every target with the fix.
    bare = {s["Sid"] for s in _statements(policy("prod", "deployer", TargetLists()))}
    assert not bare & {"LambdaTargets", "TargetRoles", "ArtifactBuckets", "EksTargets"}
    # Only the executor's functions get them.
    assert "LambdaTargets" not in {
        s["Sid"] for s in _statements(policy("prod", "finisher", targets))
    }


def test_the_executor_resumes_canary_steps() -> None:
    """The deployer resumes a step when its evaluation finishes, canary-steps after each
    shift, promotion and rollback: both send task tokens back."""
    for name in ("deployer", "canary-steps"):
        actions = {
            action
            for statement in _statements(policy("prod", name))
            for action in _listed(statement["Action"])
        }
        assert "states:SendTaskSuccess" in actions, name
        assert "states:StartExecution" in actions or name == "canary-steps"
