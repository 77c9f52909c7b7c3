"""DeploymentTarget on EKS: a service's manifests in a namespace of a cluster, through the
Kubernetes API (chalicelib/adapters/kubernetes_strategies.py carries the steps out).

A version is the service's image and a digest of its pod template (`carts:0.13.2#5d0c1f7a`,
chalicelib/engine/kubernetes/versions.py), so a retried `deploy` or `stage` applies the same
objects again and changes nothing. The manifests are read at the run's configuration version;
`configurationChange.values.image` goes on the service's container.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

from chalicelib.adapters.kubernetes_outcomes import Outcome, Traffic
from chalicelib.adapters.kubernetes_strategies import KubernetesStrategies
from chalicelib.domain.deployments import Artifact, Endpoints, Routing
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.targets import EksTarget
from chalicelib.engine.kubernetes.manifests import Manifest, parse_manifests
from chalicelib.engine.kubernetes.rendering import Variant, Workload, render, variant_name
from chalicelib.errors import InvalidInput, TargetFailed
from chalicelib.ports import ConfigStore, TargetContext

REF = "quartermaster.dev/ref"


def read_manifests(
    config: ConfigStore, context: TargetContext, uris: Sequence[str]
) -> list[tuple[str, str]]:
    """Each manifest as of the run's commit, from the service, its stage or the project (the
    most specific first, as target.yaml itself); InvalidInput naming a missing one."""
    scopes = (
        ResourceScope(project=context.project, stage=context.stage, service=context.service),
        ResourceScope(project=context.project, stage=context.stage),
        ResourceScope(project=context.project),
    )
    files = []
    for uri in uris:
        found = next(
            (r for s in scopes if (r := config.get_resource(s, uri, context.gitcommitid))),
            None,
        )
        if found is None or found.deleted:
            raise InvalidInput(
                f"manifest '{uri}' named by target.yaml is not in project '{context.project}' "
                f"(service '{context.service}' in stage '{context.stage}', the stage or the "
                "project): add it with qm add-resource"
            )
        try:
            files.append((uri, found.content.decode("utf-8")))
        except UnicodeDecodeError:
            raise InvalidInput(f"manifest '{uri}' is not UTF-8 text") from None
    return files


class EksNamespaceTarget:
    """One EKS target of a target.yaml, for one service."""

    def __init__(
        self,
        spec: EksTarget,
        context: TargetContext,
        manifests: Callable[[], list[tuple[str, str]]],
        steps: Callable[[], KubernetesStrategies],
    ) -> None:
        self._spec = spec
        self._context = context
        self._manifests = manifests
        self._steps_factory = steps

    @cached_property
    def _steps(self) -> KubernetesStrategies:
        return self._steps_factory()

    @cached_property
    def _parsed(self) -> list[Manifest]:
        return parse_manifests(self._manifests())

    @cached_property
    def _name(self) -> str:
        return self._workload(None).name

    @property
    def _timeout(self) -> float:
        return self._spec.rollout_timeout_seconds

    def describe(self) -> str:
        return self._spec.describe()

    def current(self) -> Routing:
        name = self._name  # the manifests first: a broken configuration costs no AWS call
        return _routing(self._steps.current(self._spec.namespace, name))

    def deploy(self, artifact: Artifact, ref: str) -> Routing:
        with self._steps.rollouts.sharing(self._timeout):
            outcome = self._steps.deploy(self._workload(artifact), self._timeout, {REF: ref})
        return self._settled(outcome)

    def stage(self, artifact: Artifact, ref: str) -> Routing:
        with self._steps.rollouts.sharing(self._timeout):
            outcome = self._steps.stage(self._workload(artifact), self._timeout, {REF: ref})
        return self._settled(outcome)

    def shift(self, version: str, weight: float) -> Routing:
        with self._steps.rollouts.sharing(self._timeout):
            outcome = self._steps.shift(
                self._spec.namespace, self._name, version, weight, self._timeout
            )
        return self._settled(outcome)

    def promote(self, version: str) -> Routing:
        with self._steps.rollouts.sharing(self._timeout):
            outcome = self._steps.promote(self._spec.namespace, self._name, version, self._timeout)
        return self._settled(outcome)

    def rollback(self, to: Routing) -> Routing:
        recorded = Traffic(to.version, to.candidate, to.weight)
        with self._steps.rollouts.sharing(self._timeout):
            outcome = self._steps.rollback(
                self._spec.namespace, self._name, recorded, self._timeout
            )
        return self._settled(outcome)

    def endpoints(self, version: str | None) -> Endpoints:
        workload = self._workload(None)
        namespace = self._spec.namespace
        running = self.current()
        alone = version is not None and version == running.candidate
        deployment = variant_name(self._name, Variant.CANARY) if alone else self._name
        local = []
        if workload.service_object is not None:
            service = workload.service_object["metadata"]["name"]
            if alone:
                service = variant_name(service, Variant.CANARY)
            ports = workload.service_object["spec"].get("ports") or [{}]
            port = ports[0].get("port")
            suffix = f":{port}" if port else ""
            local = [f"http://{service}.{namespace}.svc.cluster.local{suffix}"]
        return Endpoints(
            names=[deployment],
            local=local,
            public=[],
            placeholders={
                "cluster": self._spec.cluster_name,
                "namespace": namespace,
                "deployment": deployment,
                "version": version or running.version or "",
            },
        )

    def _workload(self, artifact: Artifact | None) -> Workload:
        image = None
        if artifact is not None:
            if artifact.image is None:
                given = (
                    "an S3 artifact"
                    if artifact.s3
                    else (f"version '{artifact.version}'" if artifact.version else "nothing")
                )
                raise InvalidInput(
                    f"{self.describe()} deploys container images, and the task gives {given}: "
                    "set configurationChange.values.image"
                )
            image = artifact.image
        return render(
            self._parsed, service=self._context.service, namespace=self._spec.namespace, image=image
        )

    def _settled(self, outcome: Outcome) -> Routing:
        if not outcome.ok:
            raise TargetFailed(f"{self.describe()}: {outcome.describe()}")
        return _routing(outcome.traffic)


def _routing(traffic: Traffic) -> Routing:
    return Routing(version=traffic.version, candidate=traffic.candidate, weight=traffic.weight)
