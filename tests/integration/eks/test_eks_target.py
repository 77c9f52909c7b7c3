"""The EKS target through the DeploymentTarget port: the contract every target keeps
(tests/target_contract.py) on the Kubernetes API stand-in, then what is EKS's own."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.bootstrap import TargetAdapters
from chalicelib.domain.deployments import Artifact, Routing
from chalicelib.domain.projects import ProjectRecord, ResourceScope
from chalicelib.domain.targets import EksTarget
from chalicelib.errors import InvalidInput, NotFound, TargetFailed
from chalicelib.ports import DeploymentTarget, TargetContext
from tests.fakes import FakeConfigStore
from tests.integration.eks.conftest import MANIFESTS, NAMESPACE, StandInEndpoints
from tests.kube.server import KubeStandIn
from tests.target_contract import DeploymentTargetContract

CONTEXT = TargetContext(project="shop", stage="prod", service="carts", gitcommitid=None)


def spec(cluster: str = "prod", **extra: Any) -> EksTarget:
    return EksTarget.model_validate(
        {
            "type": "eks",
            "cluster": cluster,
            "namespace": NAMESPACE,
            "manifests": ["carts.yaml"],
            "rolloutTimeout": "15s",
            **extra,
        }
    )


def project_with_manifests(text: str = MANIFESTS) -> FakeConfigStore:
    config = FakeConfigStore()
    config.create_project(
        ProjectRecord(
            name="shop",
            shipyard="apiVersion: spec.keptn.sh/0.2.3\nkind: Shipyard\n",
            shipyard_version="spec.keptn.sh/0.2.3",
            stages=("prod",),
            creation_date="2026-01-01T00:00:00.000Z",
        ),
        "test",
    )
    config.put_resources(
        ResourceScope(project="shop", stage="prod", service="carts"),
        [("carts.yaml", text.encode())],
        "test",
        "manifests",
    )
    return config


class EksWorld:
    def __init__(self, kube: KubeStandIn, config: FakeConfigStore) -> None:
        self.kube = kube
        self.adapters = TargetAdapters(
            AwsClients(), config=config, eks_endpoints=lambda _, __: StandInEndpoints(kube)
        )
        self.target().deploy(self.artifact("1.0.0"), "ref-0")

    def target(self) -> DeploymentTarget:
        return self.adapters(spec(), CONTEXT)

    def missing_target(self) -> DeploymentTarget:
        return self.adapters(spec("nowhere"), CONTEXT)

    def artifact(self, label: str) -> Artifact:
        return Artifact(image=f"carts:{label}")

    def routing(self) -> Routing:
        """Read from the stand-in's own store, not through the adapter."""
        found = {d["metadata"]["name"]: d for d in self.kube.store.list("Deployment", NAMESPACE)[0]}

        def version(name: str) -> str | None:
            if name not in found:
                return None
            template = found[name]["spec"]["template"]["metadata"]
            return str(template["annotations"]["quartermaster.dev/version"])

        candidate = found.get("carts-canary")
        weight = 0.0
        if candidate is not None:
            weight = float(candidate["metadata"]["annotations"]["quartermaster.dev/weight"])
        return Routing(version=version("carts"), candidate=version("carts-canary"), weight=weight)

    def versions(self) -> int:
        return len(self.kube.store.list("ReplicaSet", NAMESPACE)[0])


@pytest.fixture
def world(kube: KubeStandIn) -> EksWorld:
    return EksWorld(kube, project_with_manifests())


class TestEksTarget(DeploymentTargetContract):
    """The contract on a Deployment, its candidate and a Service switching between them."""


def test_versions_name_the_image(world: EksWorld) -> None:
    running = world.target().current().version
    assert running is not None
    assert running.startswith("carts:1.0.0#")


def test_a_rollout_that_fails_is_target_failed_naming_the_pods_and_what_was_restored(
    world: EksWorld,
) -> None:
    before = world.routing()
    world.kube.controllers.fail("carts:broken", "ImagePullBackOff")
    target = world.adapters(spec(rolloutTimeout="2s"), CONTEXT)
    with pytest.raises(TargetFailed) as failed:
        target.deploy(world.artifact("broken"), "ref-x")
    message = str(failed.value)
    assert message.startswith("EKS cluster 'prod' (namespace 'shop'): ")
    assert "did not become ready" in message
    assert ": ImagePullBackOff (container carts: Back-off pulling image" in message
    assert "restored to revision 1 (carts=carts:1.0.0), replacing carts=carts:broken" in message
    assert not failed.value.retryable
    assert world.routing() == before


def test_an_s3_artifact_is_refused_naming_the_image_field(world: EksWorld) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.target().deploy(Artifact(s3="s3://bucket/carts.zip"), "ref-y")
    assert str(refused.value) == (
        "EKS cluster 'prod' (namespace 'shop') deploys container images, and the task gives an "
        "S3 artifact: set configurationChange.values.image"
    )


def test_a_manifest_missing_from_the_project_is_named(kube: KubeStandIn) -> None:
    adapters = TargetAdapters(
        AwsClients(),
        config=project_with_manifests(),
        eks_endpoints=lambda _, __: StandInEndpoints(kube),
    )
    target = adapters(spec(manifests=["orders.yaml"]), CONTEXT)
    with pytest.raises(InvalidInput) as refused:
        target.current()
    assert str(refused.value).startswith(
        "manifest 'orders.yaml' named by target.yaml is not in project 'shop'"
    )
    assert kube.requests == []


def test_a_manifest_that_does_not_parse_reaches_no_cluster(kube: KubeStandIn) -> None:
    broken = MANIFESTS.replace("replicas: 4", "replicas: [4")
    adapters = TargetAdapters(
        AwsClients(),
        config=project_with_manifests(broken),
        eks_endpoints=lambda _, __: StandInEndpoints(kube),
    )
    with pytest.raises(InvalidInput, match=r"carts.yaml: invalid YAML \(line 7\)"):
        adapters(spec(), CONTEXT).deploy(Artifact(image="carts:1.0.0"), "ref-z")
    assert kube.requests == []


def test_endpoints_name_the_service_and_the_candidates_own(world: EksWorld) -> None:
    target = world.target()
    running = target.endpoints(None)
    assert running.names == ["carts"]
    assert running.local == ["http://carts.shop.svc.cluster.local:80"]
    assert running.placeholders["namespace"] == "shop"
    assert running.placeholders["deployment"] == "carts"
    staged = target.stage(world.artifact("2.0.0"), "ref-e").candidate
    assert staged is not None
    alone = target.endpoints(staged)
    assert alone.names == ["carts-canary"]
    assert alone.local == ["http://carts-canary.shop.svc.cluster.local:80"]


def test_a_cluster_that_does_not_exist_is_not_found(world: EksWorld) -> None:
    with pytest.raises(NotFound, match="EKS cluster 'nowhere' does not exist"):
        world.missing_target().deploy(world.artifact("2.0.0"), "ref-n")
