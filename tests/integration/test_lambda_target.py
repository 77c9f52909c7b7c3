"""The Lambda target on moto: the DeploymentTarget contract, then what is Lambda's own (package
types, published versions as artifacts, function URLs, S3 errors, roles of other accounts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.adapters.assumed_roles import AssumedRoles
from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.adapters.lambda_target import LambdaAliasTarget
from chalicelib.bootstrap import TargetAdapters
from chalicelib.domain.deployments import Artifact, Routing
from chalicelib.domain.targets import LambdaTarget
from chalicelib.errors import Forbidden, InvalidInput, NotFound
from chalicelib.ports import DeploymentTarget, TargetContext
from tests.integration.conftest import emulated_stack
from tests.integration.deploy_harness import Functions
from tests.target_contract import DeploymentTargetContract

OTHER_ACCOUNT = "111122223333"
CONTEXT = TargetContext(project="shop", stage="dev", service="cart")


def spec(function: str = "carts", **extra: Any) -> LambdaTarget:
    return LambdaTarget.model_validate({"type": "lambda", "function": function, **extra})


class LambdaWorld:
    def __init__(self, functions: Functions) -> None:
        self.functions = functions
        functions.create()

    def target(self) -> DeploymentTarget:
        return TargetAdapters(AwsClients())(spec(), CONTEXT)

    def missing_target(self) -> DeploymentTarget:
        return TargetAdapters(AwsClients())(spec("no-such-function"), CONTEXT)

    def artifact(self, label: str) -> Artifact:
        return Artifact(s3=self.functions.artifact(label))

    def routing(self) -> Routing:
        version, candidate, weight = self.functions.routing()
        return Routing(version=version, candidate=candidate, weight=weight)

    def versions(self) -> int:
        listed = self.functions.lam.list_versions_by_function(FunctionName="carts")["Versions"]
        return len(listed)


@pytest.fixture
def world() -> Iterator[LambdaWorld]:
    with emulated_stack():
        yield LambdaWorld(Functions())


class TestLambdaTarget(DeploymentTargetContract):
    """The contract on Lambda versions and a weighted alias."""


def test_a_published_version_is_deployed_as_it_is(world: LambdaWorld) -> None:
    target = world.target()
    staged = target.stage(world.artifact("2.0.0"), "ref-a").candidate
    assert staged == "2"
    target.rollback(Routing(version="1"))
    assert target.deploy(Artifact(version="2"), "ref-b") == Routing(version="2")
    assert world.versions() == 3  # $LATEST, 1 and 2: nothing published again


def test_an_unknown_version_is_not_found_and_changes_nothing(world: LambdaWorld) -> None:
    with pytest.raises(NotFound, match="has no version 9"):
        world.target().deploy(Artifact(version="9"), "ref-c")
    assert world.routing() == Routing(version="1")


def test_a_zip_function_needs_an_s3_artifact(world: LambdaWorld) -> None:
    with pytest.raises(InvalidInput, match=r"\.zip function: configurationChange.values.artifact"):
        world.target().deploy(Artifact(image="carts:1.0"), "ref-d")
    assert world.routing() == Routing(version="1")


def test_an_artifact_missing_from_s3_is_refused_with_the_cause(world: LambdaWorld) -> None:
    with pytest.raises(InvalidInput) as raised:
        world.target().deploy(Artifact(s3="s3://shop-artifacts/carts/none.zip"), "ref-e")
    assert "s3://shop-artifacts/carts/none.zip does not exist" in raised.value.message
    assert world.routing() == Routing(version="1")


def test_the_first_deployment_creates_the_alias(world: LambdaWorld) -> None:
    world.functions.create("orders", alias=None)
    target = TargetAdapters(AwsClients())(spec("orders"), CONTEXT)
    assert target.current() == Routing()
    assert target.stage(world.artifact("1.1.0"), "ref-f") == Routing(version="2")
    assert world.functions.routing("orders") == ("2", None, 0.0)


def test_endpoints_give_the_alias_url_and_qualified_arns(world: LambdaWorld) -> None:
    url = world.functions.lam.create_function_url_config(
        FunctionName="carts", Qualifier="live", AuthType="AWS_IAM"
    )["FunctionUrl"]
    endpoints = world.target().endpoints(None)
    assert endpoints.public == [url]
    assert endpoints.names == ["carts:live"]
    assert endpoints.local == ["arn:aws:lambda:us-east-1:123456789012:function:carts:live"]
    assert endpoints.placeholders == {"function": "carts", "alias": "live", "version": "1"}


def test_a_role_of_another_account_deploys_there() -> None:
    with emulated_stack():
        role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/qm-deployer"
        credentials = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="setup")[
            "Credentials"
        ]
        there = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        functions = Functions(there)
        arn = functions.create()
        assert f":{OTHER_ACCOUNT}:" in arn
        target = TargetAdapters(AwsClients())(
            spec(arn, roleArn=role, externalId="shop-deployer"), CONTEXT
        )
        uri = functions.artifact("2.0.0")
        assert target.deploy(Artifact(s3=uri), "ref-g") == Routing(version="2")
        assert functions.routing() == ("2", None, 0.0)
        # Nothing of it happened in the deployment's own account.
        assert boto3.client("lambda").list_functions()["Functions"] == []


def test_a_role_that_cannot_be_assumed_is_forbidden_naming_the_role() -> None:
    class RefusingSts:
        def assume_role(self, **request: Any) -> Any:
            from botocore.exceptions import ClientError

            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "AssumeRole"
            )

    roles = AssumedRoles(lambda: RefusingSts(), boto3.session.Session)
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/qm-deployer"
    with pytest.raises(Forbidden) as raised:
        roles.session(role, "shop")
    assert role in raised.value.message
    assert "trust policy" in raised.value.message
    assert not raised.value.retryable


def test_alias_targets_read_weighted_routing(world: LambdaWorld) -> None:
    target = LambdaAliasTarget(spec(), world.functions.session.client)
    staged = target.stage(world.artifact("3.0.0"), "ref-h")
    assert staged.candidate is not None
    target.shift(staged.candidate, 33.3)
    assert target.current() == Routing(version="1", candidate=staged.candidate, weight=33.3)
