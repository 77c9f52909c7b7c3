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

A version is the service's image and a digest of the whole pod template (the variant label
left out), e.g. `carts:0.13.2#5d0c1f7a`: the same manifests and image give the same version,
any change to the template a new one, and the primary runs the candidate's version once it is
promoted.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.yamldoc import InvalidDocument, Problem
from chalicelib.engine.kubernetes.manifests import Manifest

VARIANT_LABEL = "quartermaster.dev/variant"
MANAGED_BY = {"app.kubernetes.io/managed-by": "quartermaster"}
# An image reference as Kubernetes takes it: no whitespace, not empty.
_IMAGE = re.compile(r"^\S{1,1024}$")


class Variant(StrEnum):
    PRIMARY = "primary"
    CANARY = "canary"


VERSION_ANNOTATION = "quartermaster.dev/version"


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
    deployment = _the_deployment(manifests, service, problems)
    if deployment is None or problems:
        raise InvalidDocument(problems)
    body = _namespaced(deployment, namespace)
    containers = _deployment_problems(deployment, service, image, problems)
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
    service_manifest = _the_service(manifests, service, deployment, problems)
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


def _the_deployment(
    manifests: Sequence[Manifest], service: str, problems: list[Problem]
) -> Manifest | None:
    deployments = [m for m in manifests if m.kind == "Deployment"]
    if len(deployments) == 1:
        return deployments[0]
    named = [m for m in deployments if m.name == service]
    if named:
        return named[0]
    files = ", ".join(sorted({m.file for m in manifests})) or "no file"
    if not deployments:
        message = f"no Deployment in {files}: the EKS target deploys a service's Deployment"
    else:
        names = ", ".join(m.name for m in deployments)
        message = (
            f"{len(deployments)} Deployments ({names}) and none is named '{service}': name the "
            "service's Deployment after the service"
        )
    problems.append(Problem(files, "manifests", message, None))
    return None


def _deployment_problems(
    manifest: Manifest, service: str, image: str | None, problems: list[Problem]
) -> tuple[str, ...]:
    """Check the Deployment's shape; return the names of the containers that run the image."""
    body = manifest.body
    spec = body.get("spec")
    if not isinstance(spec, dict):
        problems.append(manifest.problem(("spec",), "a Deployment needs a 'spec'"))
        return ()
    selector = spec.get("selector")
    match_labels = selector.get("matchLabels") if isinstance(selector, dict) else None
    if not isinstance(match_labels, dict) or not match_labels:
        problems.append(
            manifest.problem(
                ("spec", "selector"),
                "'spec.selector.matchLabels' is required: the labels of the service's pods",
            )
        )
    template = spec.get("template")
    metadata = template.get("metadata") if isinstance(template, dict) else None
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if not isinstance(labels, dict):
        problems.append(
            manifest.problem(("spec", "template"), "'spec.template.metadata.labels' is required")
        )
    elif isinstance(match_labels, dict) and any(
        labels.get(key) != value for key, value in match_labels.items()
    ):
        problems.append(
            manifest.problem(
                ("spec", "selector", "matchLabels"),
                "the selector does not match the pod template's labels",
            )
        )
    pod = template.get("spec") if isinstance(template, dict) else None
    containers = pod.get("containers") if isinstance(pod, dict) else None
    if not isinstance(containers, list) or not containers:
        problems.append(
            manifest.problem(("spec", "template", "spec", "containers"), "no container is given")
        )
        return ()
    for index, container in enumerate(containers):
        if not isinstance(container, dict) or not isinstance(container.get("name"), str):
            path = ("spec", "template", "spec", "containers", index)
            problems.append(manifest.problem(path, "each container needs a 'name'"))
            return ()
    if image is None:
        return tuple(str(c["name"]) for c in containers)
    if not _IMAGE.match(image):
        problems.append(
            Problem(
                manifest.file,
                "configurationChange.values.image",
                "the image must be a non-empty reference without spaces",
                None,
                image,
            )
        )
        return ()
    return _image_containers(manifest, containers, service, image, problems)


def _image_containers(
    manifest: Manifest,
    containers: list[dict[str, Any]],
    service: str,
    image: str,
    problems: list[Problem],
) -> tuple[str, ...]:
    """The service's containers: the one named after the service, the only one, or those
    running an image of the same repository."""
    names = [str(c["name"]) for c in containers]
    if service in names:
        return (service,)
    if len(names) == 1:
        return (names[0],)
    repository = image_repository(image)
    same = tuple(
        str(c["name"])
        for c in containers
        if image_repository(str(c.get("image", ""))) == repository
    )
    if same:
        return same
    problems.append(
        manifest.problem(
            ("spec", "template", "spec", "containers"),
            f"the Deployment has containers {', '.join(names)} and none is named '{service}' or "
            f"runs an image of '{repository}': name the service's container '{service}'",
        )
    )
    return ()


def template_version(template: dict[str, Any], containers: Sequence[str]) -> str:
    """`<image>#<digest>`: the first service container's image and a digest of the template
    without the variant label (so every variant of one version has the same)."""
    plain = copy.deepcopy(template)
    plain.get("metadata", {}).get("labels", {}).pop(VARIANT_LABEL, None)
    plain.get("metadata", {}).get("annotations", {}).pop(VERSION_ANNOTATION, None)
    digest = hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:8]
    images = [c.get("image", "") for c in plain["spec"]["containers"] if c["name"] in containers]
    return f"{images[0] if images else 'unknown'}#{digest}"


def version_of(deployment: dict[str, Any]) -> str:
    """The version a Deployment (rendered, or read from a cluster) runs; '' when it was not
    deployed by Quartermaster."""
    metadata = deployment["spec"]["template"].get("metadata") or {}
    return str((metadata.get("annotations") or {}).get(VERSION_ANNOTATION, ""))


def image_repository(image: str) -> str:
    """`registry/path/name` of an image reference, without its tag or digest."""
    reference = image.split("@", 1)[0]
    slash = reference.rfind("/")
    colon = reference.rfind(":")
    return reference[:colon] if colon > slash else reference


def _the_service(
    manifests: Sequence[Manifest], service: str, deployment: Manifest, problems: list[Problem]
) -> Manifest | None:
    """The Service whose selector picks the Deployment's pods (the one named after the
    service or the Deployment when several do)."""
    labels = deployment.body["spec"]["template"]["metadata"]["labels"]
    matching = []
    for manifest in manifests:
        if manifest.kind != "Service":
            continue
        spec = manifest.body.get("spec")
        selector = spec.get("selector") if isinstance(spec, dict) else None
        if not isinstance(selector, dict) or not selector:
            continue
        if all(labels.get(key) == value for key, value in selector.items()):
            matching.append(manifest)
    if len(matching) <= 1:
        return matching[0] if matching else None
    named = [m for m in matching if m.name in (service, deployment.name)]
    if named:
        return named[0]
    names = ", ".join(m.name for m in matching)
    problems.append(
        matching[1].problem(
            ("spec", "selector"),
            f"Services {names} all select the pods of Deployment '{deployment.name}': name the "
            f"one that receives the service's traffic '{service}'",
        )
    )
    return None


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
