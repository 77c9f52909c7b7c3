"""target.yaml: both kinds of target, their defaults, and each mistake named at its line."""

from __future__ import annotations

import pytest

from chalicelib.domain.documents import DocumentKind, detect_kind, validate_document
from chalicelib.domain.targets import EksTarget, LambdaTarget, TargetFile
from chalicelib.domain.yamldoc import parse_document

HEAD = "apiVersion: quartermaster.dev/v1\nkind: Target\nspec:\n"


def _target(body: str) -> LambdaTarget | EksTarget:
    return parse_document(HEAD + body, TargetFile, "target.yaml").spec


def test_a_lambda_target_defaults_its_alias() -> None:
    target = _target("  type: lambda\n  function: carts\n")
    assert isinstance(target, LambdaTarget)
    assert (target.function_name, target.alias, target.role_arn) == ("carts", "live", None)
    assert target.describe() == "Lambda function 'carts' (alias 'live')"


def test_a_lambda_target_by_arn_in_another_account() -> None:
    target = _target(
        "  type: lambda\n  function: arn:aws:lambda:eu-west-1:111122223333:function:carts\n"
        "  alias: prod\n  roleArn: arn:aws:iam::111122223333:role/qm-deployer\n"
        "  externalId: shop-deployer\n"
    )
    assert isinstance(target, LambdaTarget)
    assert target.function_name == "carts"
    assert target.describe() == "Lambda function 'carts' (alias 'prod') in 111122223333"


def test_an_eks_target_has_the_fields_and_defaults_the_eks_adapter_reads() -> None:
    target = _target(
        "  type: eks\n  cluster: arn:aws:eks:eu-west-1:111122223333:cluster/shop\n"
        "  manifests: [manifests/deployment.yaml, /manifests//service.yaml]\n"
        "  region: eu-west-1\n"
    )
    assert isinstance(target, EksTarget)
    assert target.cluster_name == "shop"
    assert target.namespace == "default"
    assert target.manifests == ["manifests/deployment.yaml", "manifests/service.yaml"]
    assert (target.rollout_timeout, target.rollout_timeout_seconds) == ("5m", 300.0)
    assert (target.role_arn, target.external_id, target.region) == (None, None, "eu-west-1")


def test_the_kind_is_detected() -> None:
    assert detect_kind({"apiVersion": "quartermaster.dev/v1", "kind": "Target"}) is (
        DocumentKind.TARGET
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("  type: cloudrun\n", "spec.type 'cloudrun' (line 4): must be lambda or eks"),
        ("  type: lambda\n", "spec (line 3): field 'function' is required"),
        (
            "  type: lambda\n  function: carts:live\n",
            "spec.function 'carts:live' (line 5): 'carts:live' is neither a function name",
        ),
        (
            "  type: lambda\n  function: arn:aws:lambda:eu-west-1:111122223333:function:c:7\n",
            "names a version or alias; give the function's unqualified ARN",
        ),
        ("  type: lambda\n  function: carts\n  alias: '12'\n", "'12' is not an alias name"),
        (
            "  type: lambda\n  function: carts\n  roleArn: deployer\n",
            "spec.roleArn 'deployer' (line 6): 'deployer' is not an IAM role ARN",
        ),
        (
            "  type: lambda\n  function: carts\n  externalId: abc\n",
            "externalId is only used with roleArn",
        ),
        ("  type: lambda\n  function: carts\n  roleArn:\n", "spec.roleArn (line 6): must not be"),
        (
            "  type: lambda\n  function: carts\n  cluster: x\n",
            "spec.cluster (line 6): unknown field 'cluster'; allowed fields: roleArn",
        ),
        (
            "  type: eks\n  cluster: shop\n  manifests: []\n",
            "spec.manifests (line 6): must have at least 1 entry",
        ),
        (
            "  type: eks\n  cluster: shop\n  manifests: [../x.yaml]\n",
            "spec.manifests[0] '../x.yaml' (line 6): resourceURI '../x.yaml' is refused",
        ),
        (
            "  type: eks\n  cluster: shop\n  manifests: [m.yaml]\n  namespace: Shop\n",
            "'Shop' is not a Kubernetes namespace",
        ),
        (
            "  type: eks\n  cluster: shop\n  manifests: [m.yaml]\n  rolloutTimeout: soon\n",
            "spec.rolloutTimeout 'soon' (line 7): 'soon' is not a Go duration",
        ),
        (
            "  type: eks\n  cluster: shop\n  manifests: [m.yaml]\n  rolloutTimeout: 20m\n",
            "spec.rolloutTimeout '20m' (line 7): '20m' is longer than 14m",
        ),
        (
            "  type: eks\n  cluster: shop\n  manifests: [m.yaml]\n  region: Europe\n",
            "'Europe' is not an AWS region",
        ),
    ],
)
def test_each_mistake_is_named_at_its_line(body: str, error: str) -> None:
    report = validate_document(HEAD + body, "target.yaml")
    assert report.kind is DocumentKind.TARGET
    assert any(error in line for line in report.errors), report.errors


def test_the_wrong_api_version_is_named() -> None:
    report = validate_document(
        "apiVersion: quartermaster.dev/v2\nkind: Target\nspec:\n  type: lambda\n  function: c\n",
        "target.yaml",
    )
    assert report.errors
    assert "apiVersion" in report.errors[0]
