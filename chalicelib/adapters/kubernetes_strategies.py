"""The EKS deployment strategies carried out on a cluster, in the steps the executor takes:
`deploy` (direct), `stage` a candidate beside the running version, `shift` traffic to it,
`promote` it, `rollback` to a recorded state. Every state lives in the cluster (annotations on
the candidate Deployment), so any step can be repeated or taken by another process.

- deploy: apply the service's objects, wait for the rollout; a failed rollout is undone.
- stage: `<name>-canary` runs the new version at the primary's size while the Service selects
  only the primary's pods (blue/green's "green", a canary at 0%).
- shift: the candidate gets its share of the primary's replicas and the primary the rest, and
  the Service selects both: traffic follows the pods.
- promote: the Service switches to the candidate, the primary rolls to the candidate's exact
  template, the Service switches back and the candidate is deleted.
- rollback: the Service selects the primary again at its full size, the candidate is deleted,
  and the primary's template goes back to the recorded version if it had changed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.kubernetes_outcomes import Outcome, Traffic
from chalicelib.adapters.kubernetes_rollouts import (
    DEPLOYED_AT,
    KubernetesRollouts,
    Restored,
    template_images,
)
from chalicelib.engine.kubernetes.rendering import Variant, Workload, variant_name
from chalicelib.engine.kubernetes.replicas import canary_split
from chalicelib.engine.kubernetes.versions import VARIANT_LABEL, version_of
from chalicelib.errors import Conflict, InvalidInput

# On the candidate Deployment: the primary's size before the candidate came, the weight asked
# for, and the Service that switches between them.
PRIMARY_REPLICAS = "quartermaster.dev/primary-replicas"
WEIGHT = "quartermaster.dev/weight"
SERVICE = "quartermaster.dev/service"


class KubernetesStrategies:
    """The strategies' steps on one cluster, through KubernetesRollouts."""

    def __init__(self, rollouts: KubernetesRollouts) -> None:
        self.rollouts = rollouts
        self.api = rollouts.api

    def current(self, namespace: str, name: str) -> Traffic:
        primary = self.api.get("Deployment", namespace, name)
        if primary is None:
            return Traffic(None)
        candidate = self.api.get("Deployment", namespace, variant_name(name, Variant.CANARY))
        if candidate is None:
            return Traffic(_version(primary))
        weight = float(_annotations(candidate).get(WEIGHT, "0"))
        return Traffic(_version(primary), _version(candidate), weight)

    def deploy(
        self, workload: Workload, timeout: float, annotations: Mapping[str, str] | None = None
    ) -> Outcome:
        """Direct: the primary runs the new version; a rollout that fails is undone."""
        ns, name = workload.namespace, workload.name
        self._apply_companions(workload, pinned=None)
        self._apply_deployment(workload, copy.deepcopy(workload.deployment), annotations)
        result = self.rollouts.wait(ns, name, timeout)
        if result.ready:
            return Outcome(result, self.current(ns, name))
        restored = self.rollouts.undo(ns, name)
        if restored is not None:
            self.rollouts.wait(ns, name, timeout)
        return Outcome(result, self.current(ns, name), restored)

    def stage(
        self, workload: Workload, timeout: float, annotations: Mapping[str, str] | None = None
    ) -> Outcome:
        """The new version as the candidate, at full size, with no traffic."""
        ns, name = workload.namespace, workload.name
        primary = self.api.get("Deployment", ns, name)
        if primary is None:
            first = self.deploy(workload, timeout, annotations)
            note = "first deployment: nothing ran to stage beside, deployed directly"
            return Outcome(first.result, first.traffic, first.restored, note)
        if _version(primary) == workload.version:
            result = self.rollouts.wait(ns, name, timeout)
            note = f"{name} runs this version already: nothing to stage"
            return Outcome(result, self.current(ns, name), note=note)
        self._require_variant_label(workload, primary)
        service = workload.service_for(Variant.PRIMARY)  # InvalidInput without a Service
        self._apply_companions(workload, pinned=Variant.PRIMARY)
        # A candidate staged before may have scaled the primary down: its record of the
        # primary's size stays the size to come back to.
        existing = self.api.get("Deployment", ns, variant_name(name, Variant.CANARY))
        recorded = _annotations(existing).get(PRIMARY_REPLICAS)
        size = int(recorded or primary["spec"].get("replicas", workload.replicas))
        candidate = workload.variant(Variant.CANARY, replicas=size)
        notes = {
            **(annotations or {}),
            PRIMARY_REPLICAS: str(size),
            WEIGHT: "0",
            SERVICE: service["metadata"]["name"],
        }
        self._apply_deployment(workload, candidate, notes)
        self.api.apply(workload.candidate_service())
        result = self.rollouts.wait(ns, candidate["metadata"]["name"], timeout)
        if result.ready:
            return Outcome(
                result, self.current(ns, name), note="the Service sends no traffic to it"
            )
        self._remove_candidate(ns, candidate)
        note = f"deleted {candidate['metadata']['name']}; {name} was not touched"
        return Outcome(result, self.current(ns, name), note=note)

    def shift(
        self, namespace: str, name: str, version: str, weight: float, timeout: float
    ) -> Outcome:
        """Give the candidate `version` its share of the replicas; the Service selects both."""
        candidate = self._candidate(namespace, name, version)
        candidate_name = candidate["metadata"]["name"]
        split = canary_split(int(_annotations(candidate)[PRIMARY_REPLICAS]), round(weight))
        self.api.patch(
            "Deployment",
            namespace,
            candidate_name,
            {
                "metadata": {"annotations": {WEIGHT: f"{weight:g}"}},
                "spec": {"replicas": split.canary},
            },
        )
        result = self.rollouts.wait(namespace, candidate_name, timeout)
        if not result.ready:
            return Outcome(result, self.current(namespace, name), note="no traffic was shifted")
        self._select(namespace, candidate, None)
        self.api.patch("Deployment", namespace, name, {"spec": {"replicas": split.primary}})
        self.rollouts.wait(namespace, name, timeout)
        return Outcome(result, self.current(namespace, name), split=split)

    def promote(self, namespace: str, name: str, version: str, timeout: float) -> Outcome:
        """The candidate `version` becomes the primary; the candidate is deleted."""
        primary = self.api.get("Deployment", namespace, name)
        candidate = self.api.get("Deployment", namespace, variant_name(name, Variant.CANARY))
        if candidate is None and primary is not None and _version(primary) == version:
            result = self.rollouts.wait(namespace, name, timeout)  # promoted before
            return Outcome(result, self.current(namespace, name), note="already promoted")
        candidate = self._candidate(namespace, name, version)
        candidate_name = candidate["metadata"]["name"]
        size = int(_annotations(candidate)[PRIMARY_REPLICAS])
        self.api.patch("Deployment", namespace, candidate_name, {"spec": {"replicas": size}})
        result = self.rollouts.wait(namespace, candidate_name, timeout)
        if not result.ready:
            return Outcome(result, self.current(namespace, name), note="nothing was switched")
        self._select(namespace, candidate, Variant.CANARY)
        template = copy.deepcopy(candidate["spec"]["template"])
        template["metadata"]["labels"][VARIANT_LABEL] = Variant.PRIMARY.value
        self.api.patch(
            "Deployment",
            namespace,
            name,
            [
                {"op": "replace", "path": "/spec/template", "value": template},
                {"op": "replace", "path": "/spec/replicas", "value": size},
            ],
        )
        result = self.rollouts.wait(namespace, name, timeout)
        if not result.ready:
            note = f"the Service stays on {candidate_name}, which runs the promoted version"
            return Outcome(result, self.current(namespace, name), note=note)
        self._select(namespace, candidate, Variant.PRIMARY)
        self._remove_candidate(namespace, candidate)
        note = f"promoted: {candidate_name} replaced by {name}"
        return Outcome(result, self.current(namespace, name), note=note)

    def rollback(self, namespace: str, name: str, to: Traffic, timeout: float) -> Outcome:
        """Back to `to` as `current` read it: the primary alone, at its size, on its version."""
        candidate = self.api.get("Deployment", namespace, variant_name(name, Variant.CANARY))
        replaced: dict[str, str] = {}
        if candidate is not None:
            replaced = template_images(candidate)
            self._select(namespace, candidate, Variant.PRIMARY)
            size = int(_annotations(candidate).get(PRIMARY_REPLICAS, 1))
            self.api.patch("Deployment", namespace, name, {"spec": {"replicas": size}})
            self._remove_candidate(namespace, candidate)
        primary = self.api.get("Deployment", namespace, name)
        restored = None
        if primary is not None and to.version is not None and _version(primary) != to.version:
            restored = self.rollouts.undo(namespace, name, to.version)
            if restored is None:
                raise Conflict(
                    f"version {to.version} of Deployment {namespace}/{name} is no longer in its "
                    "history (spec.revisionHistoryLimit): deploy it again to restore it"
                )
        result = self.rollouts.wait(namespace, name, timeout)
        if restored is None and primary is not None:
            restored = Restored(
                name, result.images, replaced or result.images, 0, _version(primary)
            )
        return Outcome(result, self.current(namespace, name), restored)

    def undo(self, namespace: str, name: str, timeout: float) -> Outcome:
        """Back to the previous revision of Deployment `name` (its exact pod template)."""
        restored = self.rollouts.undo(namespace, name)
        if restored is None:
            raise Conflict(f"Deployment {namespace}/{name} has no earlier revision to roll back to")
        result = self.rollouts.wait(namespace, name, timeout)
        return Outcome(result, self.current(namespace, name), restored)

    # helpers --------------------------------------------------------------------------------

    def _candidate(self, namespace: str, name: str, version: str) -> dict[str, Any]:
        candidate = self.api.get("Deployment", namespace, variant_name(name, Variant.CANARY))
        if candidate is None or _version(candidate) != version:
            staged = "nothing" if candidate is None else _version(candidate)
            raise Conflict(
                f"version {version} is not staged beside Deployment {namespace}/{name} "
                f"({staged} is): stage it first"
            )
        return candidate

    def _apply_companions(self, workload: Workload, pinned: Variant | None) -> None:
        for body in workload.others:
            self.api.apply(body)
        if workload.service_object is not None:
            self.api.apply(workload.service_for(pinned))

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

    def _remove_candidate(self, namespace: str, candidate: dict[str, Any]) -> None:
        """Delete the candidate Deployment and the Service of its pods alone."""
        service = _annotations(candidate).get(SERVICE)
        if service:
            self.api.delete("Service", namespace, variant_name(service, Variant.CANARY))
        self.api.delete("Deployment", namespace, candidate["metadata"]["name"])

    def _select(self, namespace: str, candidate: dict[str, Any], variant: Variant | None) -> None:
        """Point the Service at one variant's pods, or (None) at both."""
        service = _annotations(candidate).get(SERVICE)
        if service:
            selector = {VARIANT_LABEL: None if variant is None else variant.value}
            self.api.patch("Service", namespace, service, {"spec": {"selector": selector}})

    def _require_variant_label(self, workload: Workload, primary: Mapping[str, Any]) -> None:
        labels = primary["spec"]["template"]["metadata"].get("labels") or {}
        if labels.get(VARIANT_LABEL) != Variant.PRIMARY.value:
            raise InvalidInput(
                f"the pods of Deployment {workload.namespace}/{workload.name} lack the label "
                f"{VARIANT_LABEL}=primary, so a Service cannot tell them from the new "
                "version's: deploy once with the direct strategy, which adds it"
            )


def _annotations(item: Mapping[str, Any] | None) -> dict[str, str]:
    return dict(((item or {}).get("metadata") or {}).get("annotations") or {})


def _version(deployment: Mapping[str, Any]) -> str:
    """The version a Deployment runs; one not deployed by Quartermaster is named by its image."""
    found = version_of(dict(deployment))
    if found:
        return found
    images = sorted(template_images(deployment).values())
    return images[0] if images else "unknown"
