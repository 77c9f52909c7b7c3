"""Which targets this deployment may change: the functions, roles and clusters its settings
name (QM_TARGET_FUNCTIONS, QM_TARGET_ROLES, QM_TARGET_CLUSTERS), the same lists its IAM policy
is generated from (infra/policies.py). A target outside them is refused with the fix, before
AWS would refuse it with AccessDenied.

Entries are names or ARNs; a trailing `*` matches any rest (`shop-*`), `*` alone anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.targets import EksTarget, LambdaTarget


@dataclass(frozen=True)
class TargetAllowlist:
    functions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()


def _matches(value: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("*") and value.startswith(pattern[:-1]):
            return True
        if value == pattern:
            return True
    return False


def refusal(target: LambdaTarget | EksTarget, allowed: TargetAllowlist) -> str | None:
    """Why this deployment may not change `target`; None when it may."""
    if target.role_arn is not None and not _matches(target.role_arn, allowed.roles):
        return (
            f"role {target.role_arn} is not among the roles this deployment may assume; add it "
            "to QM_TARGET_ROLES in .chalice/config.json, run python -m infra.policies --write "
            "and deploy again"
        )
    if isinstance(target, LambdaTarget):
        # With a role, the other account's policy decides what the role may do.
        if target.role_arn is None and not (
            _matches(target.function, allowed.functions)
            or _matches(target.function_name, allowed.functions)
        ):
            return (
                f"function '{target.function}' is not among the functions this deployment may "
                "deploy; add it to QM_TARGET_FUNCTIONS in .chalice/config.json, run "
                "python -m infra.policies --write and deploy again"
            )
        return None
    if target.role_arn is None and not (
        _matches(target.cluster, allowed.clusters)
        or _matches(target.cluster_name, allowed.clusters)
    ):
        return (
            f"cluster '{target.cluster}' is not among the clusters this deployment may deploy "
            "to; add it to QM_TARGET_CLUSTERS in .chalice/config.json, run "
            "python -m infra.policies --write and deploy again"
        )
    return None
