"""blue_green_service and canary on the Kubernetes API stand-in: stage, shift, promote and
rollback, with what receives traffic checked through the Service's selector and the pods."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.kubernetes_api import KubernetesApi
from chalicelib.adapters.kubernetes_outcomes import Traffic
from chalicelib.adapters.kubernetes_strategies import KubernetesStrategies
from chalicelib.engine.kubernetes.versions import VARIANT_LABEL
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


def services(kube: KubeStandIn) -> list[str]:
    return [s["metadata"]["name"] for s in kube.store.list("Service", NAMESPACE)[0]]


def serving(kube: KubeStandIn, service: str = "carts") -> dict[str, int]:
    """Image -> pods the Service selects: what receives traffic."""
    selector = kube.store.get("Service", NAMESPACE, service)["spec"]["selector"]
    labels = ",".join(f"{k}={v}" for k, v in selector.items())
    pods, _ = kube.store.list("Pod", NAMESPACE, labels)
    counted: dict[str, int] = {}
    for pod in pods:
        image = pod["spec"]["containers"][0]["image"]
        counted[image] = counted.get(image, 0) + 1
    return counted


def selections(kube: KubeStandIn) -> list[str | None]:
    """The variant the Service selected after each change of it, in order (None: both)."""
    seen: list[str | None] = []
    for _, _, obj in kube.store.log:
        if obj["kind"] == "Service" and obj["metadata"]["name"] == "carts":
            variant = obj["spec"]["selector"].get(VARIANT_LABEL)
            if not seen or seen[-1] != variant:
                seen.append(variant)
    return seen


@pytest.fixture
def live(strategies: KubernetesStrategies) -> KubernetesStrategies:
    """carts:0.13.1 deployed directly: the version every strategy starts from."""
    assert strategies.deploy(workload("carts:0.13.1"), TIMEOUT).ok
    return strategies


def test_blue_green_stages_beside_the_primary_and_promote_switches_the_service(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    old, new = workload("carts:0.13.1").version, workload("carts:0.13.2")
    staged = live.stage(new, TIMEOUT)
    assert staged.ok, staged.describe()
    assert staged.traffic == Traffic(old, new.version, 0.0)
    assert deployments(kube) == {
        "carts": (4, ["carts:0.13.1"]),
        "carts-canary": (4, ["carts:0.13.2"]),
    }
    assert serving(kube) == {"carts:0.13.1": 4}
    assert serving(kube, "carts-canary") == {"carts:0.13.2": 4}  # the candidate alone
    assert live.stage(new, TIMEOUT).traffic == staged.traffic  # a retry changes nothing

    promoted = live.promote(NAMESPACE, "carts", new.version, TIMEOUT)

    assert promoted.ok, promoted.describe()
    assert promoted.traffic == Traffic(new.version)
    assert "promoted: carts-canary replaced by carts" in promoted.describe()
    assert deployments(kube) == {"carts": (4, ["carts:0.13.2"])}
    assert services(kube) == ["carts"]
    assert live.rollouts.wait(NAMESPACE, "carts", TIMEOUT).ready
    assert serving(kube) == {"carts:0.13.2": 4}
    # pinned to the primary, all traffic to the candidate at the switch, then the primary
    assert selections(kube) == [None, "primary", "canary", "primary"]
    assert live.promote(NAMESPACE, "carts", new.version, TIMEOUT).traffic == promoted.traffic
    running = live.rollouts.running(NAMESPACE, "carts")
    assert running is not None
    assert running.previous_images == {"carts": "carts:0.13.1"}


def test_blue_green_rollback_deletes_the_candidate_and_keeps_the_primary(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    recorded = live.current(NAMESPACE, "carts")
    new = workload("carts:0.13.2")
    assert live.stage(new, TIMEOUT).ok
    for _ in range(2):  # a rollback repeated after a lost answer
        outcome = live.rollback(NAMESPACE, "carts", recorded, TIMEOUT)
        assert outcome.ok
        assert outcome.traffic == recorded
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}
    assert services(kube) == ["carts"]
    assert serving(kube) == {"carts:0.13.1": 4}
    with pytest.raises(Conflict, match="is not staged beside Deployment shop/carts"):
        live.promote(NAMESPACE, "carts", new.version, TIMEOUT)


def test_a_candidate_that_never_becomes_ready_is_deleted(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    kube.controllers.fail("carts:broken", "CrashLoopBackOff")
    outcome = live.stage(workload("carts:broken"), 1.5)
    assert not outcome.ok
    assert {p.reason for p in outcome.result.problems} == {"CrashLoopBackOff"}
    assert "deleted carts-canary; carts was not touched" in outcome.describe()
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}
    assert services(kube) == ["carts"]
    assert serving(kube) == {"carts:0.13.1": 4}


def test_staging_the_running_version_stages_nothing(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    same = workload("carts:0.13.1")
    outcome = live.stage(same, TIMEOUT)
    assert outcome.ok
    assert outcome.traffic == Traffic(same.version)
    assert "carts runs this version already: nothing to stage" in outcome.describe()
    assert "carts-canary" not in deployments(kube)


def test_staging_needs_a_service(kube: KubeStandIn, live: KubernetesStrategies) -> None:
    without = MANIFESTS.split("---")[0]
    with pytest.raises(InvalidInput, match="no Service selects the pods of Deployment 'carts'"):
        live.stage(workload("carts:0.13.2", without), TIMEOUT)
    assert "carts-canary" not in deployments(kube)


def test_the_first_stage_deploys_directly(
    kube: KubeStandIn, strategies: KubernetesStrategies
) -> None:
    new = workload("carts:0.13.1")
    outcome = strategies.stage(new, TIMEOUT)
    assert outcome.ok
    assert outcome.traffic == Traffic(new.version)
    assert "first deployment: nothing ran to stage beside" in outcome.describe()
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}


def test_canary_steps_shift_pods_then_promote(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    old, new = workload("carts:0.13.1").version, workload("carts:0.13.2")
    assert live.stage(new, TIMEOUT).ok
    for weight, primary, canary in ((25.0, 3, 1), (50.0, 2, 2), (50.0, 2, 2), (90.0, 1, 3)):
        step = live.shift(NAMESPACE, "carts", new.version, weight, TIMEOUT)
        assert step.ok, step.describe()
        assert step.traffic == Traffic(old, new.version, weight)
        assert step.split is not None
        assert (step.split.primary, step.split.canary) == (primary, canary)
        assert deployments(kube) == {
            "carts": (primary, ["carts:0.13.1"]),
            "carts-canary": (canary, ["carts:0.13.2"]),
        }
        # the Service selects both: traffic follows the pods
        assert serving(kube) == {"carts:0.13.1": primary, "carts:0.13.2": canary}
    assert (
        "1 candidate and 3 primary replicas (25% of the pods"
        in live.shift(NAMESPACE, "carts", new.version, 10.0, TIMEOUT).describe()
    )
    promoted = live.promote(NAMESPACE, "carts", new.version, TIMEOUT)
    assert promoted.ok
    assert deployments(kube) == {"carts": (4, ["carts:0.13.2"])}
    assert live.rollouts.wait(NAMESPACE, "carts", TIMEOUT).ready
    assert serving(kube) == {"carts:0.13.2": 4}


def test_a_rollback_mid_canary_restores_the_primary_at_full_size(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    recorded = live.current(NAMESPACE, "carts")
    new = workload("carts:0.13.2")
    assert live.stage(new, TIMEOUT).ok
    assert live.shift(NAMESPACE, "carts", new.version, 50.0, TIMEOUT).ok
    outcome = live.rollback(NAMESPACE, "carts", recorded, TIMEOUT)
    assert outcome.ok
    assert outcome.traffic == recorded
    assert outcome.restored is not None
    assert outcome.restored.replaced == {"carts": "carts:0.13.2"}
    assert deployments(kube) == {"carts": (4, ["carts:0.13.1"])}
    assert serving(kube) == {"carts:0.13.1": 4}


def test_a_rollback_after_a_direct_deploy_restores_the_recorded_version(
    kube: KubeStandIn, live: KubernetesStrategies
) -> None:
    recorded = live.current(NAMESPACE, "carts")
    assert live.deploy(workload("carts:0.13.2"), TIMEOUT).ok
    assert live.deploy(workload("carts:0.13.3"), TIMEOUT).ok
    outcome = live.rollback(NAMESPACE, "carts", recorded, TIMEOUT)
    assert outcome.traffic == recorded
    assert outcome.restored is not None
    assert outcome.restored.images == {"carts": "carts:0.13.1"}
    assert outcome.restored.replaced == {"carts": "carts:0.13.3"}
    assert serving(kube) == {"carts:0.13.1": 4}


def test_a_primary_made_without_the_variant_label_is_named_with_the_fix(
    kube: KubeStandIn, api: KubernetesApi, strategies: KubernetesStrategies
) -> None:
    made_by_hand: dict[str, Any] = workload("carts:0.13.1").deployment
    for labels in (
        made_by_hand["spec"]["selector"]["matchLabels"],
        made_by_hand["spec"]["template"]["metadata"]["labels"],
    ):
        del labels[VARIANT_LABEL]
    api.apply(made_by_hand)
    with pytest.raises(InvalidInput, match="deploy once with the direct strategy"):
        strategies.stage(workload("carts:0.13.2"), TIMEOUT)
    # a direct deploy adopts it: its selector cannot change, its pods get the label
    assert strategies.deploy(workload("carts:0.13.2"), TIMEOUT).ok
    assert strategies.stage(workload("carts:0.13.3"), TIMEOUT).ok
