"""A step that waits for several rollouts waits its target's rolloutTimeout in all, so it ends
inside its function's 15-minute limit; a wait after the shared deadline still looks once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalicelib.adapters.kubernetes_rollouts import KubernetesRollouts

NAMESPACE = "shop"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class StuckCluster:
    """Every Deployment is `ready` or forever one replica short; a watch lasts all it may."""

    def __init__(self, clock: Clock, ready: frozenset[str] = frozenset()) -> None:
        self.clock = clock
        self.ready = ready

    def watch(self, kind: str, namespace: str, name: str, seconds: float) -> Iterator[Any]:
        short = 0 if name in self.ready else 1
        yield {
            "metadata": {"name": name, "generation": 1},
            "spec": {
                "replicas": 2,
                "template": {"spec": {"containers": [{"name": "carts", "image": "carts:2"}]}},
            },
            "status": {
                "observedGeneration": 1,
                "replicas": 2,
                "updatedReplicas": 2,
                "availableReplicas": 2 - short,
            },
        }
        if short:
            self.clock.now += seconds

    def get(self, kind: str, namespace: str, name: str) -> None:
        return None


def _rollouts(cluster: StuckCluster, clock: Clock) -> KubernetesRollouts:
    return KubernetesRollouts(cluster, clock=clock)  # type: ignore[arg-type]


def test_two_waits_inside_a_shared_deadline_wait_its_time_in_all() -> None:
    clock = Clock()
    rollouts = _rollouts(StuckCluster(clock), clock)
    with rollouts.sharing(60):
        first = rollouts.wait(NAMESPACE, "carts-canary", 60)
        second = rollouts.wait(NAMESPACE, "carts", 60)
    assert not first.ready
    assert not second.ready
    assert clock.now == 61  # 60 s, then one last look of a second, not 120 s
    assert "timed out after 1 s" in second.message


def test_a_ready_rollout_after_the_deadline_is_still_seen_ready() -> None:
    clock = Clock()
    rollouts = _rollouts(StuckCluster(clock, ready=frozenset({"carts"})), clock)
    with rollouts.sharing(30):
        assert not rollouts.wait(NAMESPACE, "carts-canary", 30).ready
        assert rollouts.wait(NAMESPACE, "carts", 30).ready


def test_without_a_shared_deadline_each_wait_has_its_own_time() -> None:
    clock = Clock()
    rollouts = _rollouts(StuckCluster(clock), clock)
    rollouts.wait(NAMESPACE, "carts-canary", 60)
    rollouts.wait(NAMESPACE, "carts", 60)
    assert clock.now == 120
