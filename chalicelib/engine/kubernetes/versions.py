"""What names a version of a service on a cluster: its image and a digest of its pod template.

`carts:0.13.2#5d0c1f7a`: the same manifests and image give the same version, any change to the
template a new one. The variant label is left out of the digest, so the candidate and the
primary it becomes run the same version. The version is written into the template's
annotations when it is rendered: the API server adds defaults to a template it stores, so a
digest of what it returns would differ.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from typing import Any

VERSION_ANNOTATION = "quartermaster.dev/version"
VARIANT_LABEL = "quartermaster.dev/variant"


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
