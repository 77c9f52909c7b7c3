"""What the EKS steps report: the traffic after a step, and the step's outcome in words."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.kubernetes_rollouts import Restored, RolloutResult
from chalicelib.engine.kubernetes.replicas import ReplicaSplit


@dataclass(frozen=True)
class Traffic:
    """What runs: `version` takes the traffic `candidate` does not; `weight` is the
    candidate's share in percent as asked (the pods' share is reported with each step)."""

    version: str | None
    candidate: str | None = None
    weight: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """A step: its rollout, what was restored, and what runs after it."""

    result: RolloutResult
    traffic: Traffic
    restored: Restored | None = None
    note: str = ""
    split: ReplicaSplit | None = None

    @property
    def ok(self) -> bool:
        return self.result.ready

    def describe(self) -> str:
        parts = [self.note, self.result.describe()]
        if self.split is not None:
            parts.append(
                f"{self.split.canary} candidate and {self.split.primary} primary replicas "
                f"({self.split.weight}% of the pods on the candidate)"
            )
        if self.restored is not None:
            parts.append(self.restored.describe())
        elif not self.ok:
            parts.append("nothing to restore: there was no earlier revision")
        return "; ".join(part for part in parts if part)
