"""The discovery documents clients read before anything else: /version, /api, /apis and each
group version's resource list, and the OpenAPI v3 index kubectl reads to learn that the server
validates fields itself (so it sends `fieldValidation` instead of validating client-side)."""

from __future__ import annotations

from typing import Any

from tests.kube.kinds import KINDS, VERBS, Kind

VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-01-01T00:00:00Z",
    "goVersion": "go1.23.4",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def api_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def _group(name: str) -> dict[str, Any]:
    version = {"groupVersion": f"{name}/v1", "version": "v1"}
    return {"name": name, "versions": [version], "preferredVersion": version}


def api_groups() -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group("apps")]}


def api_group(name: str) -> dict[str, Any]:
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name)}


def resource_list(group: str, version: str) -> dict[str, Any] | None:
    kinds = [k for k in KINDS if k.group == group and k.version == version]
    if not kinds:
        return None
    resources: list[dict[str, Any]] = []
    for kind in kinds:
        resources.append(
            {
                "name": kind.plural,
                "singularName": kind.kind.lower(),
                "namespaced": kind.namespaced,
                "kind": kind.kind,
                "verbs": VERBS,
                "shortNames": list(kind.short_names),
            }
        )
        for sub in kind.subresources:
            sub_kind = "Scale" if sub == "scale" else kind.kind
            extra = {"group": "autoscaling", "version": "v1"} if sub == "scale" else {}
            resources.append(
                {
                    "name": f"{kind.plural}/{sub}",
                    "singularName": "",
                    "namespaced": kind.namespaced,
                    "kind": sub_kind,
                    "verbs": ["get", "patch", "update"],
                    **extra,
                }
            )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def openapi_v3_index() -> dict[str, Any]:
    return {
        "paths": {
            "api/v1": {"serverRelativeURL": "/openapi/v3/api/v1"},
            "apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1"},
        }
    }


def openapi_v3(group: str, version: str) -> dict[str, Any] | None:
    """Each resource's paths with the query parameters the server honours, `fieldValidation`
    among them, and a schema per kind tagged with its group, version and kind."""
    kinds = [k for k in KINDS if k.group == group and k.version == version]
    if not kinds:
        return None
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for kind in kinds:
        ref = _schema_name(kind)
        schemas[ref] = {
            "type": "object",
            "x-kubernetes-group-version-kind": [
                {"group": kind.group, "version": kind.version, "kind": kind.kind}
            ],
            "x-kubernetes-preserve-unknown-fields": True,
        }
        scope = (
            f"{prefix}/namespaces/{{namespace}}/{kind.plural}"
            if kind.namespaced
            else (f"{prefix}/{kind.plural}")
        )
        parameters = [
            {"name": name, "in": "query", "schema": {"type": "string"}}
            for name in (
                "dryRun",
                "fieldManager",
                "fieldValidation",
            )
        ]
        operation = {
            "parameters": parameters,
            "x-kubernetes-group-version-kind": {
                "group": kind.group,
                "version": kind.version,
                "kind": kind.kind,
            },
            "responses": {
                "200": {
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}
                    }
                }
            },
        }
        paths[scope] = {
            "post": {**operation, "x-kubernetes-action": "post"},
            "get": {**operation, "x-kubernetes-action": "list"},
        }
        paths[f"{scope}/{{name}}"] = {
            verb: {**operation, "x-kubernetes-action": action}
            for verb, action in (
                ("get", "get"),
                ("put", "put"),
                ("patch", "patch"),
                ("delete", "delete"),
            )
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


# kubectl before 1.27 reads OpenAPI v2 as gnostic's protobuf (openapi_v2.Document) for
# client-side validation and patch metadata; a kind with no schema there is not validated
# client-side, and patch metadata comes from kubectl's own types. So the document holds only
# what it must: swagger "2.0", info, empty paths and definitions.
# What the API server answers with for it (Go cannot parse the requested media type's "@").
OPENAPI_V2_PROTOBUF = "application/octet-stream"


def openapi_v2_protobuf() -> bytes:
    def field(number: int, payload: bytes) -> bytes:
        return bytes([number << 3 | 2]) + _varint(len(payload)) + payload

    info = field(1, b"Kubernetes") + field(2, VERSION["gitVersion"].encode())
    return field(1, b"2.0") + field(2, info) + field(8, b"") + field(9, b"")


def _varint(value: int) -> bytes:
    out = b""
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def _schema_name(kind: Kind) -> str:
    group = kind.group or "core"
    return f"io.k8s.api.{group}.{kind.version}.{kind.kind}"
