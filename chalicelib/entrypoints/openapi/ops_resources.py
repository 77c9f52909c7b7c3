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
from chalicelib.entrypoints.openapi.spec import ONE_PAGE, Operation, Query

TAG = "resources"
SCOPES = {
    "project": "/v1/project/{project}",
    "stage": "/v1/project/{project}/stage/{stage}",
    "service": "/v1/project/{project}/stage/{stage}/service/{service}",
}
VERSION = Query("gitCommitID", "an older version: the commit that wrote it (12 hex digits)")
URI_RULE = (
    "400 when the URI is not canonical (dot segments, a trailing '/', a backslash, control "
    "characters, double percent-encoding, Shipyard.yaml for shipyard.yaml, ...)."
)
SHIPYARD_RULE = (
    " 409 for shipyard.yaml: the project's shipyard changes only through PUT /v1/project."
)


def _scope_operations(scope: str, prefix: str) -> list[Operation]:
    files, one = f"{prefix}/resource", f"{prefix}/resource/{{uri}}"
    write = f"Write files at {scope} scope, in one commit"
    # Only the project scope holds the shipyard, which the resource routes cannot change.
    guarded: tuple[int, ...] = (409,) if scope == "project" else ()
    rules = URI_RULE + (SHIPYARD_RULE if guarded else "")
    upload = (
        "Each file at most 350 KB, the upload at most 1,800,000 bytes of content (else 413); "
        "the same file twice is a 400. " + rules
    )
    return [
        Operation(
            "GET",
            files,
            f"The files at {scope} scope",
            TAG,
            ResourceList,
            query=(VERSION, ONE_PAGE),
        ),
        *(
            Operation(
                method,
                files,
                write,
                TAG,
                CommitBody,
                body=ResourcesWrite,
                errors=guarded,
                description=upload,
            )
            for method in ("POST", "PUT")
        ),
        Operation(
            "GET",
            one,
            f"One file at {scope} scope",
            TAG,
            Resource,
            query=(VERSION,),
            errors=(400,),
            description=URI_RULE,
        ),
        Operation(
            "PUT",
            one,
            f"Write one file at {scope} scope",
            TAG,
            CommitBody,
            body=ResourceWrite,
            errors=guarded,
            description="At most 350 KB (else 413). " + rules,
        ),
        Operation(
            "DELETE",
            one,
            f"Delete one file at {scope} scope",
            TAG,
            CommitBody,
            errors=(400, *guarded),
            description=rules,
        ),
    ]


OPERATIONS = [
    operation for scope, prefix in SCOPES.items() for operation in _scope_operations(scope, prefix)
]
