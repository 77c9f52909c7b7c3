"""The objects a strategy applies, rendered from a service's manifests.

The service's Deployment gets the new image on the service's container(s), a variant label on
its pods and its version in an annotation of its pod template; the new version of blue/green
and canary runs as a copy under another name:

    <name>          primary: what the Service sends traffic to between deliveries
    <name>-canary   the candidate: the new version beside the primary until it is promoted
                    (blue_green_service) or while traffic shifts to it (canary)

Every variant's selector includes the variant label, so two Deployments never claim the same
pods. The Service either adds the variant label to its selector, sending all traffic to one
variant (switching it is a blue/green release), or keeps the manifest's selector, so both
variants receive traffic in proportion to their pods (a canary's weight).

Versions: engine/kubernetes/versions.py; canary weights as replica counts: replicas.py.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.yamldoc import InvalidDocument, Problem
from chalicelib.engine.kubernetes.manifests import Manifest
from chalicelib.engine.kubernetes.service_objects import (
    deployment_problems,
    the_deployment,
    the_service,
)
from chalicelib.engine.kubernetes.versions import (
    VARIANT_LABEL,
    VERSION_ANNOTATION,
    template_version,
    version_of,
)

MANAGED_BY = {"app.kubernetes.io/managed-by": "quartermaster"}
# Service fields that name an address or an external load balancer: not copied to the
# candidate's Service.
_ADDRESSES = (
    "clusterIP",
    "clusterIPs",
    "externalIPs",
    "loadBalancerIP",
    "loadBalancerSourceRanges",
    "loadBalancerClass",
    "externalTrafficPolicy",
    "healthCheckNodePort",
    "allocateLoadBalancerNodePorts",
)


class Variant(StrEnum):
    PRIMARY = "primary"
    CANARY = "canary"


def variant_name(name: str, variant: Variant) -> str:
    """The Deployment name of `variant` of the Deployment `name`."""
    return name if variant is Variant.PRIMARY else f"{name}-{variant.value}"


@dataclass(frozen=True)
class Workload:
    """A service's rendered objects in one namespace."""

    service: str  # the Keptn service
    namespace: str
    deployment: dict[str, Any]  # the primary, with the image set
    service_object: dict[str, Any] | None  # the Service selecting its pods, if the files have one
    others: tuple[dict[str, Any], ...]  # ConfigMaps, Secrets, ...: applied as written
    containers: tuple[str, ...]  # the containers that run the service's image
    image: str | None  # the image set on them (None: the manifests' own images)

    @property
    def name(self) -> str:
        return str(self.deployment["metadata"]["name"])

    @property
    def replicas(self) -> int:
        """The primary's replica count as the manifest asks (Kubernetes' default: 1)."""
        return int(self.deployment["spec"].get("replicas", 1))

    @property
    def version(self) -> str:
        return version_of(self.deployment)

    @property
    def pod_labels(self) -> dict[str, str]:
        """The labels of the primary's pods, the variant label included."""
        return dict(self.deployment["spec"]["template"]["metadata"]["labels"])

    def variant(self, variant: Variant, replicas: int | None = None) -> dict[str, Any]:
        """The Deployment of `variant`, with `replicas` if given."""
        body = copy.deepcopy(self.deployment)
        body["metadata"]["name"] = variant_name(self.name, variant)
        for labels in _variant_label_maps(body):
            labels[VARIANT_LABEL] = variant.value
        if replicas is not None:
            body["spec"]["replicas"] = replicas
        return body

    def service_for(self, pinned: Variant | None) -> dict[str, Any]:
        """The Service, selecting the pods of every variant (None) or of `pinned` only."""
        if self.service_object is None:
            raise InvalidDocument([_no_service_problem(self)])
        body = copy.deepcopy(self.service_object)
        if pinned is not None:
            body["spec"]["selector"][VARIANT_LABEL] = pinned.value
        return body

    def candidate_service(self) -> dict[str, Any]:
        """`<service>-canary`: a ClusterIP Service for the candidate's pods alone, so tests and
        measurements can reach the new version before it takes traffic. Whatever would make a
        second load balancer or claim the Service's address is left out."""
        body = self.service_for(Variant.CANARY)
        body["metadata"] = {
            "name": variant_name(body["metadata"]["name"], Variant.CANARY),
            "namespace": self.namespace,
            "labels": {**(body["metadata"].get("labels") or {}), **MANAGED_BY},
        }
        spec = body["spec"]
        for field in _ADDRESSES:
            spec.pop(field, None)
        spec["type"] = "ClusterIP"
        for port in spec.get("ports") or []:
            port.pop("nodePort", None)
        return body

    def images(self, deployment: dict[str, Any]) -> dict[str, str]:
        """Container name -> image of the service's containers in `deployment` (any variant,
        or one read from the cluster)."""
        containers = deployment["spec"]["template"]["spec"].get("containers") or []
        return {
            str(c["name"]): str(c.get("image", ""))
            for c in containers
            if c["name"] in self.containers
        }


def render(
    manifests: Sequence[Manifest], *, service: str, namespace: str, image: str | None
) -> Workload:
    """The workload of `service` from its manifests, in `namespace`, running `image` (None keeps
    the manifests' images). InvalidDocument, with files and lines, when the manifests do not
    hold what a deployment needs."""
    problems: list[Problem] = []
    for manifest in manifests:
        written = manifest.namespace
        if written is not None and written != namespace:
            problems.append(
                manifest.problem(
                    ("metadata", "namespace"),
                    f"the target deploys to namespace '{namespace}': remove the namespace from "
                    "the manifest or set the target's namespace to it",
                    written,
                )
            )
    deployment = the_deployment(manifests, service, problems)
    if deployment is None or problems:
        raise InvalidDocument(problems)
    body = _namespaced(deployment, namespace)
    containers = deployment_problems(deployment, service, image, problems)
    if problems:
        raise InvalidDocument(problems)
    for container in body["spec"]["template"]["spec"]["containers"]:
        if image is not None and container["name"] in containers:
            container["image"] = image
    template = body["spec"]["template"]
    template["metadata"].setdefault("annotations", {})[VERSION_ANNOTATION] = template_version(
        template, containers
    )
    for labels in _variant_label_maps(body):
        labels[VARIANT_LABEL] = Variant.PRIMARY.value
    body["metadata"].setdefault("labels", {}).update(MANAGED_BY)
    service_manifest = the_service(manifests, service, deployment, problems)
    if problems:
        raise InvalidDocument(problems)
    service_body = None if service_manifest is None else _namespaced(service_manifest, namespace)
    return Workload(
        service=service,
        namespace=namespace,
        deployment=body,
        service_object=service_body,
        others=tuple(
            _namespaced(m, namespace)
            for m in manifests
            if m is not deployment and m is not service_manifest
        ),
        containers=containers,
        image=image,
    )


def _namespaced(manifest: Manifest, namespace: str) -> dict[str, Any]:
    body = manifest.copy_body()
    body["metadata"]["namespace"] = namespace
    return body


def _variant_label_maps(body: dict[str, Any]) -> list[dict[str, str]]:
    """The label maps that carry the variant: the selector's and the pod template's."""
    spec = body["spec"]
    return [spec["selector"]["matchLabels"], spec["template"]["metadata"]["labels"]]


def _no_service_problem(workload: Workload) -> Problem:
    return Problem(
        "manifests",
        "Service",
        f"no Service selects the pods of Deployment '{workload.name}' (labels "
        f"{_labels(workload.pod_labels)}): blue_green_service and canary send traffic to a new "
        "version through a Service; add one to the manifests",
        None,
    )


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != VARIANT_LABEL)
