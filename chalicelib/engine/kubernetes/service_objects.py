"""Which objects of a service's manifests are its own: its Deployment, the container(s) that run
its image, and the Service that sends it traffic; each problem located in its file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from chalicelib.domain.yamldoc import Problem
from chalicelib.engine.kubernetes.manifests import Manifest
from chalicelib.engine.kubernetes.versions import image_repository

# An image reference as Kubernetes takes it: no whitespace, not empty.
_IMAGE = re.compile(r"^\S{1,1024}$")


def the_deployment(
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


def deployment_problems(
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
    return image_containers(manifest, containers, service, image, problems)


def image_containers(
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


def the_service(
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
