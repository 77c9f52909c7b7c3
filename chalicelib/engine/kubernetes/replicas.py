"""How a canary's weight becomes replica counts: the Service sends each pod its share of the
traffic, so a weight is a share of pods."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplicaSplit:
    """Replica counts of the primary and the canary for one canary step."""

    primary: int
    canary: int

    @property
    def weight(self) -> int:
        """The canary's share of pods, in percent (its share of traffic through the Service)."""
        total = self.primary + self.canary
        return 0 if total == 0 else round(100 * self.canary / total)


def canary_split(total: int, weight: int) -> ReplicaSplit:
    """Replicas for a canary at `weight` percent of `total`: at least one canary pod above 0%,
    at least one primary pod below 100%. With few replicas the split is coarse; `weight` of
    the result says what it is."""
    if not 0 <= weight <= 100:
        raise ValueError(f"a canary weight is a percentage (0 to 100), not {weight}")
    total = max(total, 1)
    if weight == 0:
        return ReplicaSplit(total, 0)
    if weight == 100:
        return ReplicaSplit(0, total)
    if total == 1:
        return ReplicaSplit(1, 1)  # the only split of one replica between 0% and 100%
    canary = min(total - 1, max(1, round(total * weight / 100)))
    return ReplicaSplit(total - canary, canary)
