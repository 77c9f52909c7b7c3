"""The API's own OpenAPI 3.1 description, generated from the request and response models.

`GET /v1/openapi.json` serves it; `python -m chalicelib.entrypoints.openapi --write` writes it
to docs/openapi.json (and `--check` says whether that file is current).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from chalicelib.entrypoints.http_system import VERSION
from chalicelib.entrypoints.openapi import (
    ops_projects,
    ops_resources,
    ops_runs,
    ops_secrets,
    ops_system,
    ops_tokens,
    ops_webhooks,
)
from chalicelib.entrypoints.openapi.spec import Operation, build_document

INFO = {
    "title": "Quartermaster API",
    "version": VERSION,
    "description": (
        "The canonical /v1 routes of Quartermaster, a Keptn-compatible life-cycle orchestrator. "
        "Every route but /v1/health and /v1/openapi.json needs the header `x-token`; a client "
        "that keeps failing to authenticate is answered 429 with Retry-After. Errors are "
        '`{"code": <status>, "message": "..."}`. Keptn\'s public paths (/api/v1/..., '
        "/api/controlPlane/v1/..., ...) are served as aliases and described by Keptn's own "
        "Swagger files; see docs/api.md."
    ),
}
TAGS = [
    {"name": "system", "description": "health, token check, metadata, this description"},
    {"name": "events", "description": "send Keptn CloudEvents and read the audit trail"},
    {"name": "projects", "description": "projects, stages and services"},
    {"name": "resources", "description": "versioned configuration files"},
    {"name": "sequences", "description": "runs: their states, control and open tasks"},
    {"name": "approvals", "description": "human decisions"},
    {"name": "quality gates", "description": "evaluations and SLI providers"},
    {"name": "secrets", "description": "secrets for webhooks and SLI providers"},
    {"name": "tokens", "description": "API tokens: create, list, revoke"},
    {"name": "webhooks", "description": "webhook.yaml entries: register and list"},
]


def operations() -> list[Operation]:
    return [
        *ops_system.OPERATIONS,
        *ops_projects.OPERATIONS,
        *ops_resources.OPERATIONS,
        *ops_runs.OPERATIONS,
        *ops_secrets.OPERATIONS,
        *ops_tokens.OPERATIONS,
        *ops_webhooks.OPERATIONS,
    ]


@functools.cache
def document() -> dict[str, Any]:
    """The description as a JSON object (built once per process)."""
    return build_document(operations(), INFO, TAGS)


def document_text() -> str:
    """The description as docs/openapi.json holds it."""
    return json.dumps(document(), indent=2, sort_keys=False) + "\n"
