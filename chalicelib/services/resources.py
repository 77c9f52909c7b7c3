"""Configuration resources: versioned files per project, stage or service (Keptn's resource API).

Files whose name says what they are (slo.yaml, sli.yaml, remediation.yaml, webhook/webhook.yaml,
uniform.yaml, shipyard.yaml) are validated before they are stored, so a broken file is refused at
upload time rather than discovered in the middle of a delivery.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

from chalicelib.domain.documents import document_errors, summarize_problems
from chalicelib.domain.projects import Commit, Resource, ResourceScope
from chalicelib.errors import InvalidInput, NotFound, PayloadTooLarge
from chalicelib.ports import ConfigStore
from chalicelib.services.projects import get_project, get_service, require_stage

# File names Keptn gives these documents, wherever they sit (e.g. prometheus/sli.yaml).
VALIDATED_FILE_NAMES = frozenset(
    {"shipyard.yaml", "slo.yaml", "sli.yaml", "remediation.yaml", "webhook.yaml", "uniform.yaml"}
)

# DynamoDB items hold at most 400 KB; keep headroom for keys and attributes.
MAX_RESOURCE_BYTES = 350 * 1024


def normalize_uri(raw: str) -> str:
    uri = unquote(raw).lstrip("/")
    if not uri or ".." in uri.split("/"):
        raise InvalidInput(f"resourceURI '{raw}' must be a relative path such as slo.yaml")
    return uri


def check_scope(scope: ResourceScope, config: ConfigStore) -> None:
    project = get_project(scope.project, config)
    if scope.stage is not None:
        require_stage(project, scope.stage)
    if scope.service is not None:
        get_service(project, scope.service, config)


def decode_files(body: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Keptn's `{"resources": [{"resourceURI": ..., "resourceContent": <base64>}]}`."""
    entries = body.get("resources")
    if not isinstance(entries, list) or not entries:
        raise InvalidInput(
            "field 'resources' is required: a list of {resourceURI, resourceContent (base64)}"
        )
    files = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidInput(f"resources[{position}] must be an object")
        uri = entry.get("resourceURI")
        if not isinstance(uri, str):
            raise InvalidInput(f"resources[{position}].resourceURI is required")
        files.append((normalize_uri(uri), decode_content(entry.get("resourceContent"), position)))
    return files


def decode_content(value: object, position: int | None = None) -> bytes:
    where = "resourceContent" if position is None else f"resources[{position}].resourceContent"
    if not isinstance(value, str):
        raise InvalidInput(f"{where} is required: the file content, base64-encoded")
    try:
        content = base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise InvalidInput(f"{where} must be base64-encoded") from error
    if len(content) > MAX_RESOURCE_BYTES:
        raise PayloadTooLarge(
            f"{where} is {len(content)} bytes; resources are limited to {MAX_RESOURCE_BYTES} bytes"
        )
    return content


def write_files(
    scope: ResourceScope,
    files: Sequence[tuple[str, bytes]],
    author: str,
    config: ConfigStore,
) -> Commit:
    check_scope(scope, config)
    problems: list[str] = []
    for uri, content in files:
        if scope.stage is None and uri == "shipyard.yaml":
            raise InvalidInput(
                "shipyard.yaml is the project's shipyard: update it with PUT /v1/project "
                "(qm update project), which checks that the stages stay the same"
            )
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            continue  # binary files (charts, archives) are stored as they are
        if PurePosixPath(uri).name in VALIDATED_FILE_NAMES:
            problems.extend(document_errors(text, uri))
    if problems:
        raise InvalidInput(summarize_problems(problems))
    names = ", ".join(uri for uri, _ in files)
    return config.put_resources(scope, files, author, f"add {names}")


def read_file(scope: ResourceScope, uri: str, version: str | None, config: ConfigStore) -> Resource:
    check_scope(scope, config)
    resource = config.get_resource(scope, normalize_uri(uri), version)
    if resource is None:
        at = f" at commit {version}" if version else ""
        raise NotFound(f"resource '{normalize_uri(uri)}' does not exist in {scope.describe()}{at}")
    return resource


def list_files(scope: ResourceScope, version: str | None, config: ConfigStore) -> list[Resource]:
    check_scope(scope, config)
    return config.list_resources(scope, version)


def delete_file(scope: ResourceScope, uri: str, author: str, config: ConfigStore) -> Commit:
    read_file(scope, uri, None, config)
    return config.delete_resource(scope, normalize_uri(uri), author)
