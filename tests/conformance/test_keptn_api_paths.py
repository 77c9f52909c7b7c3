"""Keptn's public API paths (its swagger files) are served as aliases of the /v1 routes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app import app
from chalicelib.entrypoints.http_routing import CATCH_ALL, DEFERRED, deferred_reason

# swagger file -> the public prefix Keptn's API gateway put in front of its basePath.
PUBLIC_PREFIX = {
    "api.swagger.yaml": "/api/v1",
    "shipyard-controller.swagger.yaml": "/api/controlPlane/v1",
    "mongodb-datastore.swagger.yaml": "/api/mongodb-datastore",
    "secret-service.swagger.yaml": "/api/secrets/v1",
}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def keptn_operations(reference_dir: Path) -> list[tuple[str, str]]:
    operations = []
    for file, prefix in PUBLIC_PREFIX.items():
        spec = yaml.safe_load((reference_dir / "keptn-api" / file).read_text())
        for path, methods in spec["paths"].items():
            for method in methods:
                if method in ("get", "post", "put", "delete"):
                    operations.append((method.upper(), prefix.rstrip("/") + path))
    return operations


def served() -> set[tuple[str, str]]:
    return {
        (method, _shape(path))
        for path, entries in app.routes.items()
        if path not in CATCH_ALL
        for method in entries
    }


def test_every_keptn_operation_is_served_or_explicitly_deferred(reference_dir: Path) -> None:
    routes = served()
    missing = [
        f"{method} {path}"
        for method, path in keptn_operations(reference_dir)
        if deferred_reason(path) is None and (method, _shape(path)) not in routes
    ]
    assert missing == []


def test_every_deferred_path_is_a_keptn_path_and_not_served(reference_dir: Path) -> None:
    """The 404 of a deferred path says it is not served yet: each entry is a real Keptn path
    (no typo hides one), and none is served after all."""
    operations = keptn_operations(reference_dir)
    paths = {path for _, path in operations}
    for prefix in DEFERRED:
        assert any(path == prefix or path.startswith(prefix + "/") for path in paths), prefix
    routes = served()
    served_anyway = [
        f"{method} {path}"
        for method, path in operations
        if deferred_reason(path) is not None and (method, _shape(path)) in routes
    ]
    assert served_anyway == []


def test_every_alias_has_its_canonical_v1_route(reference_dir: Path) -> None:
    routes = served()
    for method, path in keptn_operations(reference_dir):
        shape = _shape(path)
        if (method, shape) not in routes:
            continue
        for prefix in ("/api/controlPlane", "/api/resource-service", "/api/secrets", "/api"):
            if shape.startswith(prefix + "/v1/"):
                canonical = shape[len(prefix) :]
                break
        else:
            canonical = "/v1" + shape[len("/api/mongodb-datastore") :]
        assert (method, canonical) in routes, f"{method} {path} has no canonical {canonical}"


@pytest.mark.parametrize("scope", ["", "/stage/{}", "/stage/{}/service/{}"])
def test_resource_service_paths_are_served(scope: str) -> None:
    routes = served()
    for base in ("/v1/project/{}", "/api/resource-service/v1/project/{}"):
        for method, suffix in (
            ("GET", "/resource"),
            ("POST", "/resource"),
            ("PUT", "/resource"),
            ("GET", "/resource/{}"),
            ("PUT", "/resource/{}"),
            ("DELETE", "/resource/{}"),
        ):
            assert (method, base + scope + suffix) in routes
