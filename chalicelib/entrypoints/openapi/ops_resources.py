"""The operations of the configuration-resource routes (http_resources), at project, stage
and service scope."""

from __future__ import annotations

from chalicelib.domain.api.resources import (
    CommitBody,
    Resource,
    ResourceList,
    ResourcesWrite,
    ResourceWrite,
)
from chalicelib.entrypoints.openapi.spec import Operation, Query

TAG = "resources"
SCOPES = {
    "project": "/v1/project/{project}",
    "stage": "/v1/project/{project}/stage/{stage}",
    "service": "/v1/project/{project}/stage/{stage}/service/{service}",
}
VERSION = Query("gitCommitID", "an older version: the commit that wrote it")


def _scope_operations(scope: str, prefix: str) -> list[Operation]:
    files, one = f"{prefix}/resource", f"{prefix}/resource/{{uri}}"
    write = f"Write files at {scope} scope, in one commit"
    return [
        Operation("GET", files, f"The files at {scope} scope", TAG, ResourceList, query=(VERSION,)),
        Operation("POST", files, write, TAG, CommitBody, body=ResourcesWrite),
        Operation("PUT", files, write, TAG, CommitBody, body=ResourcesWrite),
        Operation("GET", one, f"One file at {scope} scope", TAG, Resource, query=(VERSION,)),
        Operation(
            "PUT", one, f"Write one file at {scope} scope", TAG, CommitBody, body=ResourceWrite
        ),
        Operation("DELETE", one, f"Delete one file at {scope} scope", TAG, CommitBody),
    ]


OPERATIONS = [
    operation for scope, prefix in SCOPES.items() for operation in _scope_operations(scope, prefix)
]
