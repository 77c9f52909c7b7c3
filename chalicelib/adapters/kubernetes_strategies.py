"""The EKS deployment strategies, carried out on a cluster: direct, blue/green, canary by
replica ratio, and rollback. Every failure leaves the cluster on the last good version and
says what it restored.

- direct: apply the service's objects, wait for the rollout; a rollout that fails is undone.
- blue_green_service: `<name>-green` runs the new version beside the primary while the Service
  pins the primary; `release` points the Service at green, rolls the primary to the same
  template, points the Service back and deletes green; `rollback` deletes green.
- canary: `<name>-canary` gets its share of the replicas and the primary the rest, the Service
  selecting both; `promote` rolls the primary to the new template and deletes the canary;
  `abort` scales the primary back and deletes the canary.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.kubernetes_rollouts import (
    DEPLOYED_AT,
    KubernetesRollouts,
    Restored,
    RolloutResult,
    template_images,
)
from chalicelib.engine.kubernetes.rendering import (
    VARIANT_LABEL,
    ReplicaSplit,
    Variant,
    Workload,
    canary_split,
)
from chalicelib.errors import Conflict, InvalidInput


@dataclass(frozen=True)
class Outcome:
    """A strategy step: its rollout, and what was restored if it failed."""

    result: RolloutResult
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
                f"canary {self.split.canary} and primary {self.split.primary} replicas "
                f"({self.split.weight}% of pods on the canary)"
            )
        if self.restored is not None:
            parts.append(self.restored.describe())
        elif not self.ok:
            parts.append("nothing to restore: there was no earlier revision")
        return "; ".join(part for part in parts if part)


class KubernetesStrategies:
    """Deploys workloads with a strategy through KubernetesRollouts."""

    def __init__(self, rollouts: KubernetesRollouts) -> None:
        self.rollouts = rollouts
        self.api = rollouts.api

    # direct ---------------------------------------------------------------------------------

    def deploy_direct(
        self, workload: Workload, timeout: float, annotations: Mapping[str, str] | None = None
    ) -> Outcome:
        self._apply_companions(workload, pinned=None)
        self._apply_deployment(workload, copy.deepcopy(workload.deployment), annotations)
        result = self.rollouts.wait(workload.namespace, workload.name, timeout)
        if result.ready:
            return Outcome(result)
        restored = self.rollouts.undo(workload.namespace, workload.name)
        if restored is not None:
            self.rollouts.wait(workload.namespace, workload.name, timeout)
        return Outcome(result, restored)

    def rollback(self, namespace: str, name: str, timeout: float) -> Outcome:
        """Back to the previous revision of Deployment `name` (its exact pod template)."""
        restored = self.rollouts.undo(namespace, name)
        if restored is None:
            raise Conflict(f"Deployment {namespace}/{name} has no earlier revision to roll back to")
        return Outcome(self.rollouts.wait(namespace, name, timeout), restored)

    # blue/green -----------------------------------------------------------------------------

    def deploy_green(
        self, workload: Workload, timeout: float, annotations: Mapping[str, str] | None = None
    ) -> Outcome:
        primary = self._live(workload, Variant.PRIMARY)
        if primary is None:
            first = self.deploy_direct(workload, timeout, annotations)
            note = "first deployment: no running version to switch from, deployed directly"
            return Outcome(first.result, first.restored, note)
        self._require_variant_label(workload, primary)
        self._apply_companions(workload, pinned=Variant.PRIMARY)
        green = workload.variant(Variant.GREEN, replicas=_replicas(primary, workload))
        self._apply_deployment(workload, green, annotations)
        name = green["metadata"]["name"]
        result = self.rollouts.wait(workload.namespace, name, timeout)
        if result.ready:
            return Outcome(result, note=f"the Service still sends traffic to {workload.name}")
        self.api.delete("Deployment", workload.namespace, name)
        return Outcome(result, note=f"deleted {name}; {workload.name} was not touched")

    def release_green(self, workload: Workload, timeout: float) -> Outcome:
        green_name = f"{workload.name}-green"
        green = self._live(workload, Variant.GREEN)
        if green is None:
            raise Conflict(
                f"there is no Deployment {green_name} to release in {workload.namespace}: "
                "deploy with blue_green_service first"
            )
        self._switch(workload, Variant.GREEN)
        # Release exactly what ran as green (its template), under the primary's name and label.
        released = copy.deepcopy(workload.deployment)
        released["spec"]["template"] = green["spec"]["template"]
        released["spec"]["template"]["metadata"]["labels"][VARIANT_LABEL] = "primary"
        self._apply_deployment(workload, released, None)
        result = self.rollouts.wait(workload.namespace, workload.name, timeout)
        if not result.ready:
            note = f"the Service stays on {green_name}, which runs the released version"
            return Outcome(result, note=note)
        self._switch(workload, Variant.PRIMARY)
        self.api.delete("Deployment", workload.namespace, green_name)
        return Outcome(result, note=f"released: {green_name} replaced by {workload.name}")

    def discard_green(self, workload: Workload) -> Outcome:
        if workload.service_object is not None:
            self._switch(workload, Variant.PRIMARY)
        deleted = self.api.delete("Deployment", workload.namespace, f"{workload.name}-green")
        running = self.rollouts.running(workload.namespace, workload.name)
        images = {} if running is None else running.images
        note = (
            f"deleted {workload.name}-green" if deleted else f"no {workload.name}-green to delete"
        )
        result = RolloutResult(workload.name, True, images, "the primary was not changed")
        return Outcome(result, note=note)

    # canary ---------------------------------------------------------------------------------

    def set_canary_weight(
        self,
        workload: Workload,
        weight: int,
        timeout: float,
        annotations: Mapping[str, str] | None = None,
    ) -> Outcome:
        primary = self._live(workload, Variant.PRIMARY)
        if primary is None:
            first = self.deploy_direct(workload, timeout, annotations)
            note = "first deployment: no running version to compare with, deployed directly"
            return Outcome(first.result, first.restored, note)
        self._require_variant_label(workload, primary)
        split = canary_split(workload.replicas, weight)
        self._apply_companions(workload, pinned=None)
        canary = workload.variant(Variant.CANARY, replicas=split.canary)
        self._apply_deployment(workload, canary, annotations)
        result = self.rollouts.wait(workload.namespace, canary["metadata"]["name"], timeout)
        if not result.ready:
            return Outcome(result, note="the primary was not scaled down", split=split)
        self.api.patch(
            "Deployment", workload.namespace, workload.name, {"spec": {"replicas": split.primary}}
        )
        self.rollouts.wait(workload.namespace, workload.name, timeout)
        return Outcome(result, split=split)

    def promote_canary(self, workload: Workload, timeout: float) -> Outcome:
        self._apply_deployment(workload, copy.deepcopy(workload.deployment), None)
        result = self.rollouts.wait(workload.namespace, workload.name, timeout)
        if not result.ready:
            return Outcome(result, note=f"{workload.name}-canary keeps running")
        self.api.delete("Deployment", workload.namespace, f"{workload.name}-canary")
        return Outcome(result, note=f"promoted: {workload.name}-canary deleted")

    def abort_canary(self, workload: Workload, timeout: float) -> Outcome:
        name = workload.name
        self.api.patch(
            "Deployment", workload.namespace, name, {"spec": {"replicas": workload.replicas}}
        )
        result = self.rollouts.wait(workload.namespace, name, timeout)
        canary = self._live(workload, Variant.CANARY)
        self.api.delete("Deployment", workload.namespace, f"{name}-canary")
        replaced = {} if canary is None else template_images(canary)
        restored = Restored(name, result.images, replaced, 0)
        return Outcome(result, restored, note=f"{name}-canary deleted")

    # helpers --------------------------------------------------------------------------------

    def _live(self, workload: Workload, variant: Variant) -> dict[str, Any] | None:
        name = workload.variant(variant)["metadata"]["name"]
        return self.api.get("Deployment", workload.namespace, name)

    def _apply_companions(self, workload: Workload, pinned: Variant | None) -> None:
        for body in workload.others:
            self.api.apply(body)
        if workload.service_object is not None:
            self.api.apply(workload.service_for(pinned))
        elif pinned is not None:
            workload.service_for(pinned)  # raises: the strategy needs a Service

    def _apply_deployment(
        self, workload: Workload, body: dict[str, Any], annotations: Mapping[str, str] | None
    ) -> None:
        live = self.api.get("Deployment", workload.namespace, body["metadata"]["name"])
        if live is not None and live["spec"]["selector"] != body["spec"]["selector"]:
            # A selector cannot change: a Deployment made before keeps its own (the pod
            # template still carries every label of it).
            body["spec"]["selector"] = live["spec"]["selector"]
        notes = {**(annotations or {}), DEPLOYED_AT: self.rollouts.timestamp()}
        body["metadata"].setdefault("annotations", {}).update(notes)
        self.api.apply(body)

    def _switch(self, workload: Workload, variant: Variant) -> None:
        patch = {"spec": {"selector": {VARIANT_LABEL: variant.value}}}
        service = workload.service_for(variant)
        self.api.patch("Service", workload.namespace, service["metadata"]["name"], patch)

    def _require_variant_label(self, workload: Workload, primary: Mapping[str, Any]) -> None:
        labels = primary["spec"]["template"]["metadata"].get("labels") or {}
        if labels.get(VARIANT_LABEL) != Variant.PRIMARY.value:
            raise InvalidInput(
                f"the pods of Deployment {workload.namespace}/{workload.name} lack the label "
                f"{VARIANT_LABEL}=primary, so a Service cannot tell them from the new "
                "version's: deploy once with the direct strategy, which adds it"
            )


def _replicas(live: Mapping[str, Any], workload: Workload) -> int:
    return int(live["spec"].get("replicas", workload.replicas))
