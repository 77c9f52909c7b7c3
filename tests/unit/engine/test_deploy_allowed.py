"""Which targets a deployment may change: its QM_TARGET_* lists, names or ARNs, prefixes."""

from __future__ import annotations

from chalicelib.domain.targets import EksTarget, LambdaTarget
from chalicelib.engine.deploy.allowed import TargetAllowlist, refusal

ROLE = "arn:aws:iam::111122223333:role/qm-deployer"


def _function(function: str, **extra: str) -> LambdaTarget:
    return LambdaTarget.model_validate({"type": "lambda", "function": function, **extra})


def test_functions_by_name_arn_or_prefix() -> None:
    allowed = TargetAllowlist(functions=("carts", "shop-*"))
    assert refusal(_function("carts"), allowed) is None
    assert refusal(_function("shop-orders"), allowed) is None
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:carts"
    assert refusal(_function(arn), allowed) is None
    problem = refusal(_function("orders"), allowed)
    assert problem is not None
    assert "function 'orders' is not among the functions" in problem
    assert "QM_TARGET_FUNCTIONS" in problem
    assert refusal(_function("anything"), TargetAllowlist(functions=("*",))) is None


def test_a_role_must_be_listed_and_then_decides_itself() -> None:
    target = _function("arn:aws:lambda:eu-west-1:111122223333:function:carts", roleArn=ROLE)
    problem = refusal(target, TargetAllowlist(functions=("*",)))
    assert problem is not None
    assert f"role {ROLE} is not among the roles" in problem
    # The other account's policy governs what the role may do there.
    assert refusal(target, TargetAllowlist(roles=("arn:aws:iam::111122223333:role/*",))) is None


def test_clusters_by_name_or_arn() -> None:
    by_name = EksTarget.model_validate({"type": "eks", "cluster": "shop", "manifests": ["m"]})
    arn = "arn:aws:eks:eu-west-1:111122223333:cluster/shop"
    by_arn = EksTarget.model_validate({"type": "eks", "cluster": arn, "manifests": ["m"]})
    for target in (by_name, by_arn):
        assert refusal(target, TargetAllowlist(clusters=("shop",))) is None
        problem = refusal(target, TargetAllowlist())
        assert problem is not None
        assert "QM_TARGET_CLUSTERS" in problem
