"""blue_green_service and canary by replica ratio on the Kubernetes API stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.kubernetes_strategies import KubernetesStrategies
from chalicelib.engine.kubernetes.rendering import VARIANT_LABEL
from chalicelib.errors import Conflict, InvalidInput
from tests.integration.eks.conftest import MANIFESTS, NAMESPACE, workload
from tests.kube.server import KubeStandIn

TIMEOUT = 15.0


def deployments(kube: KubeStandIn) -> dict[str, tuple[int, list[str]]]:
    """Deployment name -> (replicas, images) as stored."""
    items, _ = kube.store.list("Deployment", NAMESPACE)
    return {
        d["metadata"]["name"]: (
            d["spec"]["replicas"],
            [c["image"] for c in d["spec"]["template"]["spec"]["containers"]],
        )
        for d in items
    }


def pods_by_image(kube: KubeStandIn) -> dict[str, int]:
    """Image -> pods the Service selects (what receives traffic)."""
    selector = kube.store.get("Service", NAMESPACE, "carts")["spec"]["selector"]
    labels = ",".join(f"{k}={v}" for k, v in selector.items())
    pods, _ = kube.store.list("Pod", NAMESPACE, labels)
    counted: dict[str, int] = {}
    for pod in pods:
        image = pod["spec"]["containers"][0]["image"]
        counted[image] = counted.get(image, 0) + 1
    return counted


def service_selectors(kube: KubeStandIn) -> list[str | None]:
    """The variant the Service selected after each of its changes, in order."""
    seen: list[str | None] = []
    for _, _, obj in kube.store.log:
        if obj["kind"] == "Service" and obj["metadata"]["name"] == "carts":
            variant = obj["spec"]["selector"].get(VARIANT_LABEL)
            if not seen or seen[-1] != variant:
                seen.append(variant)
    return seen


@pytest.fixture
def live(strategies: KubernetesStrategies) -> KubernetesStrategies:
    """carts:0.13.1 deployed directly: the version a strategy starts from."""
    assert strategies.deploy_direct(workload("carts:0.13.1"), TIMEOUT).ok
    return strategies


def test_blue_green_runs_green_beside_the_primary_and_release_switches_the_service(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    new = workload("carts:0.13.2")
    deployed = live.deploy_green(new, TIMEOUT)
    assert deployed.ok, deployed.describe()
    assert "the Service still sends traffic to carts" in deployed.describe()
    assert deployments(kube) == {
        "carts": (4, ["carts:0.13.1"]),
        "carts-green": (4, ["carts:0.13.2"]),
    }
    assert pods_by_image(kube) == {"carts:0.13.1": 4}

    released = live.release_green(new, TIMEOUT)

    assert released.ok, released.describe()
    assert "released: carts-green replaced by carts" in released.describe()
    assert deployments(kube) == {"carts": (4, ["carts:0.13.2"])}
    assert live.rollouts.wait(NAMESPACE, "carts", TIMEOUT).ready
    assert pods_by_image(kube) == {"carts:0.13.2": 4}
    # primary pinned, all traffic to green at the switch, then the primary again
    assert service_selectors(kube) == [None, "primary", "green", "primary"]
    running = live.rollouts.running(NAMESPACE, "carts")
    assert running is not None
    assert running.previous_images == {"carts": "carts:0.13.1"}


def test_blue_green_rollback_deletes_green_and_keeps_the_primary(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    new = workload("carts:0.13.2")
    assert live.deploy_green(new, TIMEOUT).ok
    outcome = live.discard_green(new)
    assert outcome.ok
    assert "deleted carts-green" in outcome.describe()
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}
    assert pods_by_image(kube) == {"carts:0.13.1": 4}
    with pytest.raises(Conflict, match="no Deployment carts-green to release"):
        live.release_green(new, TIMEOUT)


def test_a_green_that_never_becomes_ready_is_deleted(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    kube.controllers.fail("carts:broken", "CrashLoopBackOff")
    outcome = live.deploy_green(workload("carts:broken"), 1.5)
    assert not outcome.ok
    assert {p.reason for p in outcome.result.problems} == {"CrashLoopBackOff"}
    assert "deleted carts-green; carts was not touched" in outcome.describe()
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}


def test_blue_green_needs_a_service(kube: KubeStandIn, live: KubernetesStrategies) -> None:
    without = MANIFESTS.split("---")[0]
    with pytest.raises(InvalidInput, match="no Service selects the pods of Deployment 'carts'"):
        live.deploy_green(workload("carts:0.13.2", without), TIMEOUT)
    assert "carts-green" not in deployments(kube)


def test_the_first_blue_green_deploy_is_direct(
    kube: KubeStandIn, strategies: KubernetesStrategies
) -> None:
    outcome = strategies.deploy_green(workload("carts:0.13.1"), TIMEOUT)
    assert outcome.ok
    assert "first deployment: no running version to switch from" in outcome.describe()
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}


def test_canary_steps_shift_pods_then_promote(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    new = workload("carts:0.13.2")
    for weight, primary, canary in ((25, 3, 1), (50, 2, 2), (100, 0, 4)):
        step = live.set_canary_weight(new, weight, TIMEOUT)
        assert step.ok, step.describe()
        assert step.split is not None
        assert (step.split.primary, step.split.canary) == (primary, canary)
        assert deployments(kube) == {
            "carts": (primary, ["carts:0.13.1"]),
            "carts-canary": (canary, ["carts:0.13.2"]),
        }
        # the Service selects both: traffic follows the pods
        expected = {"carts:0.13.1": primary, "carts:0.13.2": canary}
        assert pods_by_image(kube) == {k: v for k, v in expected.items() if v}
    promoted = live.promote_canary(new, TIMEOUT)
    assert promoted.ok
    assert deployments(kube) == {"carts": (4, ["carts:0.13.2"])}
    assert live.rollouts.wait(NAMESPACE, "carts", TIMEOUT).ready
    assert pods_by_image(kube) == {"carts:0.13.2": 4}


def test_an_aborted_canary_puts_the_primary_back(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    new = workload("carts:0.13.2")
    assert live.set_canary_weight(new, 50, TIMEOUT).ok
    outcome = live.abort_canary(new, TIMEOUT)
    assert outcome.ok
    assert outcome.restored is not None
    assert outcome.restored.replaced == {"carts": "carts:0.13.2"}
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}
    assert pods_by_image(kube) == {"carts:0.13.1": 4}


def test_a_canary_that_fails_leaves_the_primary_whole(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    kube.controllers.fail("carts:broken", "ImagePullBackOff")
    step = live.set_canary_weight(workload("carts:broken"), 25, 1.5)
    assert not step.ok
    assert "the primary was not scaled down" in step.describe()
    assert deployments(kube)["carts"] == (4, ["carts:0.13.1"])
    assert live.abort_canary(workload("carts:broken"), TIMEOUT).ok
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}


def test_a_primary_made_without_the_variant_label_is_named_with_the_fix(
    kube: KubeStandIn, api: Any, strategies: KubernetesStrategies
) -> None:
    made_by_hand = workload("carts:0.13.1").deployment
    for labels in (
        made_by_hand["spec"]["selector"]["matchLabels"],
        made_by_hand["spec"]["template"]["metadata"]["labels"],
    ):
        del labels[VARIANT_LABEL]
    api.apply(made_by_hand)
    with pytest.raises(InvalidInput, match="deploy once with the direct strategy"):
        strategies.set_canary_weight(workload("carts:0.13.2"), 25, TIMEOUT)
    # a direct deploy adopts it: its selector cannot change, its pods get the label
    assert strategies.deploy_direct(workload("carts:0.13.2"), TIMEOUT).ok
    assert strategies.set_canary_weight(workload("carts:0.13.3"), 25, TIMEOUT).ok
