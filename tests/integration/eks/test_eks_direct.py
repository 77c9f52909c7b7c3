"""The direct strategy and rollback on the Kubernetes API stand-in, through the real client."""

from __future__ import annotations

import pytest

from chalicelib.adapters.kubernetes_strategies import KubernetesStrategies
from chalicelib.domain.yamldoc import InvalidDocument
from chalicelib.errors import Conflict
from tests.integration.eks.conftest import MANIFESTS, NAMESPACE, deployer_key, workload
from tests.kube.server import KubeStandIn

TIMEOUT = 15.0


def images(kube: KubeStandIn, name: str = "carts") -> list[str]:
    deployment = kube.store.get("Deployment", NAMESPACE, name)
    return [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]]


def running_pods(kube: KubeStandIn) -> list[str]:
    pods, _ = kube.store.list("Pod", NAMESPACE, "app=carts")
    return sorted(p["spec"]["containers"][0]["image"] for p in pods)


def test_a_direct_deploy_applies_every_object_and_waits_for_the_rollout(
    kube: KubeStandIn, strategies: KubernetesStrategies
) -> None:
    outcome = strategies.deploy(workload("carts:0.13.1"), TIMEOUT, {"keptn.sh/context": "c1"})
    assert outcome.ok, outcome.describe()
    assert outcome.result.images == {"carts": "carts:0.13.1"}
    assert "is rolled out: 4 of 4 replicas available" in outcome.describe()
    assert images(kube) == ["carts:0.13.1"]
    assert running_pods(kube) == ["carts:0.13.1"] * 4
    assert kube.store.get("ConfigMap", NAMESPACE, "carts-config")["data"] == {"LOG_LEVEL": "info"}
    service = kube.store.get("Service", NAMESPACE, "carts")
    assert service["spec"]["selector"] == {"app": "carts"}
    # every call carried a token signed with the deployer's key, for this cluster
    assert {caller for _, _, caller in kube.requests} == {deployer_key()}
    assert kube.refusals == []
    now = strategies.rollouts.running(NAMESPACE, "carts")
    assert now is not None
    assert (now.images, now.revision, now.ready_replicas) == ({"carts": "carts:0.13.1"}, 1, 4)
    assert now.since is not None
    assert now.since.endswith("Z")
    annotations = kube.store.get("Deployment", NAMESPACE, "carts")["metadata"]["annotations"]
    assert annotations["keptn.sh/context"] == "c1"


def test_rollback_restores_exactly_the_previous_template_and_says_so(
    kube: KubeStandIn, strategies: KubernetesStrategies
) -> None:
    assert strategies.deploy(workload("carts:0.13.1"), TIMEOUT).ok
    changed = workload("carts:0.13.2", MANIFESTS_WITH_DEBUG)
    assert strategies.deploy(changed, TIMEOUT).ok
    now = strategies.rollouts.running(NAMESPACE, "carts")
    assert now is not None
    assert (now.images, now.previous_images) == (
        {"carts": "carts:0.13.2"},
        {"carts": "carts:0.13.1"},
    )

    outcome = strategies.undo(NAMESPACE, "carts", TIMEOUT)

    assert outcome.ok
    assert outcome.restored is not None
    assert outcome.restored.images == {"carts": "carts:0.13.1"}
    assert outcome.restored.replaced == {"carts": "carts:0.13.2"}
    assert "restored to revision 1 (carts=carts:0.13.1), replacing carts=carts:0.13.2" in (
        outcome.describe()
    )
    container = kube.store.get("Deployment", NAMESPACE, "carts")["spec"]["template"]["spec"][
        "containers"
    ][0]
    # the whole template is back, not only the image: the debug variable is gone
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert running_pods(kube) == ["carts:0.13.1"] * 4


MANIFESTS_WITH_DEBUG = MANIFESTS.replace(
    "env: [{name: LOG_LEVEL, value: info}]", "env: [{name: LOG_LEVEL, value: debug}]"
)


def test_rollback_without_an_earlier_revision_is_refused(strategies: KubernetesStrategies) -> None:
    assert strategies.deploy(workload("carts:0.13.1"), TIMEOUT).ok
    with pytest.raises(Conflict, match="has no earlier revision to roll back to"):
        strategies.undo(NAMESPACE, "carts", TIMEOUT)


@pytest.mark.parametrize(
    ("failure", "reason", "detail"),
    [
        ("ImagePullBackOff", "ImagePullBackOff", 'Back-off pulling image "carts:broken"'),
        ("CrashLoopBackOff", "CrashLoopBackOff", "last exit code 1 (Error)"),
        ("Unschedulable", "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu."),
    ],
)
def test_a_rollout_that_never_becomes_ready_names_the_pods_and_leaves_the_last_good_version(
    kube: KubeStandIn, strategies: KubernetesStrategies, failure: str, reason: str, detail: str
) -> None:
    assert strategies.deploy(workload("carts:0.13.1"), TIMEOUT).ok
    kube.controllers.fail("carts:broken", failure)

    outcome = strategies.deploy(workload("carts:broken"), 2.0)

    assert not outcome.ok
    problems = outcome.result.problems
    assert problems, outcome.describe()
    assert {p.reason for p in problems} == {reason}
    assert all(p.pod.startswith("carts-") for p in problems)
    assert detail in problems[0].message
    text = outcome.describe()
    assert "did not become ready: timed out after 2 s" in text
    assert f"pod {problems[0].pod}: {reason}" in text
    assert outcome.restored is not None
    assert outcome.restored.images == {"carts": "carts:0.13.1"}
    assert "restored to revision 1 (carts=carts:0.13.1), replacing carts=carts:broken" in text
    # the cluster is left on the last good version, every pod of it ready
    assert images(kube) == ["carts:0.13.1"]
    assert strategies.rollouts.wait(NAMESPACE, "carts", TIMEOUT).ready
    assert running_pods(kube) == ["carts:0.13.1"] * 4


def test_a_first_deploy_that_fails_has_nothing_to_restore(
    kube: KubeStandIn, strategies: KubernetesStrategies
) -> None:
    kube.controllers.fail("carts:broken", "ImagePullBackOff")
    outcome = strategies.deploy(workload("carts:broken"), 1.5)
    assert not outcome.ok
    assert outcome.restored is None
    assert "nothing to restore: there was no earlier revision" in outcome.describe()


def test_a_manifest_that_does_not_parse_reaches_no_cluster(kube: KubeStandIn) -> None:
    broken = MANIFESTS.replace("replicas: 4", "replicas: [4")
    with pytest.raises(
        InvalidDocument, match=r"carts.yaml: invalid YAML \(line 7\).*flow sequence on line 6"
    ):
        workload("carts:0.13.1", broken)
    assert kube.requests == []
