"""Deployment targets: the adapter for a target spec (Lambda, EKS) and the deployer's
dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Types only: importing the ports (and the domain models behind them) at run time would
    # put every model into every cold start; the adapters import what they need when built.
    from chalicelib.domain.targets import TargetSpec
    from chalicelib.ports import (
        DeploymentTarget,
        TargetContext,
    )
    from chalicelib.services.deploy.common import DeployDeps

from chalicelib.bootstrap.container import Container, container


class TargetAdapters:
    """The adapter for a target spec, by `spec.type` (`_builders`); a type without one is
    refused with a message (the task ends errored). Roles of other accounts are assumed once
    per process and renewed before they expire; `config` reads what a target keeps in the
    project's configuration (manifests)."""

    def __init__(
        self,
        clients: Any,
        roles: Any | None = None,
        config: Any | None = None,
        eks_endpoints: Any | None = None,
    ) -> None:
        from chalicelib.adapters.assumed_roles import AssumedRoles

        self._clients = clients
        self._config = config
        # `eks_endpoints`: where EKS API servers are, (session, region) -> ClusterEndpoints
        # (None: eks:DescribeCluster; tests: a local stand-in of the Kubernetes API).
        self._eks_endpoints = eks_endpoints
        self._eks_access: Any | None = None
        # `roles`: an AssumedRoles of another STS (tests: one that refuses).
        self._roles = roles or AssumedRoles(
            lambda: clients.sts, lambda **credentials: _new_session(**credentials)
        )
        self._builders: dict[str, Callable[[Any, TargetContext], DeploymentTarget]] = {
            "lambda": self._lambda,
            "eks": self._eks,
        }

    def session(self, role_arn: str | None, external_id: str | None) -> Any:
        """A boto3 Session acting as `role_arn` (None: the deployment's own)."""
        if role_arn is None:
            return self._clients.session
        return self._roles.session(role_arn, external_id)

    def __call__(self, spec: TargetSpec, context: TargetContext) -> DeploymentTarget:
        build = self._builders.get(spec.type)
        if build is None:
            from chalicelib.errors import InvalidInput

            raise InvalidInput(
                f"targets of type '{spec.type}' cannot be deployed by this version of "
                "Quartermaster yet; deploy with your own tool (deploymentstrategy: user_managed) "
                "meanwhile"
            )
        return build(spec, context)

    def _lambda(self, spec: Any, context: TargetContext) -> DeploymentTarget:
        from chalicelib.adapters.lambda_target import LambdaAliasTarget

        region = spec.function.split(":")[3] if spec.function.startswith("arn:") else None
        role, external_id = spec.role_arn, spec.external_id

        def client(service: str) -> Any:
            return self.session(role, external_id).client(service, region_name=region)

        return LambdaAliasTarget(spec, client)

    def _eks(self, spec: Any, context: TargetContext) -> DeploymentTarget:
        from chalicelib.adapters.eks_access import ClusterRef, EksAccess
        from chalicelib.adapters.eks_target import EksNamespaceTarget, read_manifests
        from chalicelib.adapters.kubernetes_api import KubernetesApi
        from chalicelib.adapters.kubernetes_rollouts import KubernetesRollouts
        from chalicelib.adapters.kubernetes_strategies import KubernetesStrategies

        if self._eks_access is None:  # one per process: it keeps a client per cluster
            endpoints = {} if self._eks_endpoints is None else {"endpoints": self._eks_endpoints}
            self._eks_access = EksAccess(self.session, **endpoints)
        access = self._eks_access
        arn_region = spec.cluster.split(":")[3] if spec.cluster.startswith("arn:") else None
        region = spec.region or arn_region or self._clients.session.region_name
        ref = ClusterRef(spec.cluster_name, region, spec.role_arn, spec.external_id)
        config = self._config
        if config is None:
            raise RuntimeError("EKS targets read their manifests: TargetAdapters needs `config`")

        def steps() -> KubernetesStrategies:
            api = KubernetesApi(access.api_client(ref), ref.cluster)
            return KubernetesStrategies(KubernetesRollouts(api))

        return EksNamespaceTarget(
            spec, context, lambda: read_manifests(config, context, spec.manifests), steps
        )


def _new_session(**credentials: Any) -> Any:
    import boto3

    return boto3.session.Session(**credentials)


def deploy_deps(built: Container | None = None) -> DeployDeps:
    """What the deployment executor needs."""
    from chalicelib.engine.deploy.allowed import TargetAllowlist
    from chalicelib.services.deploy.common import DeployDeps

    deps = built or container()
    settings = deps.settings
    if deps.deployments is None or deps.targets is None:
        raise RuntimeError("this container has no deployment store or targets")
    return DeployDeps(
        bus=deps.bus,
        config=deps.config,
        deployments=deps.deployments,
        workflows=deps.workflows,
        targets=deps.targets,
        clock=deps.clock,
        deployment=settings.stage,
        deploy_queue=settings.queue_name("deploy"),
        evaluation_timeout_seconds=settings.canary_evaluation_timeout_seconds,
        allowed=TargetAllowlist(
            functions=settings.target_functions,
            roles=settings.target_roles,
            clusters=settings.target_clusters,
        ),
    )
