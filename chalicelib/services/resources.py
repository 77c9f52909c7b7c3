"""Configuration resources: versioned files per project, stage or service (Keptn's resource API).

Files whose name says what they are (slo.yaml, sli.yaml, remediation.yaml, webhook/webhook.yaml,
uniform.yaml, shipyard.yaml) are validated before they are stored, so a broken file is refused at
upload time rather than discovered in the middle of a delivery. Every URI is brought to its one
canonical form first (domain/resource_uris.py), so no file can hide under a look-alike name.
The project's own shipyard.yaml is not a resource of this API: it is written by project create
and update, which validate it and deploy its sequences, and never deleted while the project is.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from chalicelib.domain.documents import document_errors, summarize_problems
from chalicelib.domain.projects import Commit, Resource, ResourceScope, commit_id_problem
from chalicelib.domain.resource_uris import KNOWN_FILE_NAMES, SHIPYARD_URI, canonical_uri
from chalicelib.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from chalicelib.ports import ConfigStore
from chalicelib.services.projects import get_project, get_service, require_stage

# DynamoDB items hold at most 400 KB; keep headroom for keys and attributes.
MAX_RESOURCE_BYTES = 350 * 1024


def normalize_uri(raw: str) -> str:
    """The canonical URI of `raw`, decoded once; InvalidInput (400) naming the rule it breaks."""
    return canonical_uri(raw)


def refuse_project_shipyard(scope: ResourceScope, uri: str, action: str) -> None:
    """The shipyard changes only with the project: a resource write would skip its validation
    and the deployment of its state machines, and a delete would error every later run."""
    if scope.stage is None and uri == SHIPYARD_URI:
        raise Conflict(
            f"shipyard.yaml is the shipyard of project '{scope.project}' and cannot be {action} "
            "through the resource API; it changes only through PUT /v1/project "
            f"(qm update project {scope.project} --shipyard shipyard.yaml), which validates it "
            "and deploys its sequences"
        )


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
    files: list[tuple[str, bytes]] = []
    first_given: dict[str, int] = {}
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidInput(f"resources[{position}] must be an object")
        raw = entry.get("resourceURI")
        if not isinstance(raw, str):
            raise InvalidInput(f"resources[{position}].resourceURI is required")
        try:
            uri = canonical_uri(raw)
        except InvalidInput as error:
            raise InvalidInput(f"resources[{position}].{error.message}") from error
        if uri in first_given:
            # One commit writes each file once (and DynamoDB refuses two writes of one item).
            raise InvalidInput(
                f"resources[{position}].resourceURI '{uri}' names the same file as "
                f"resources[{first_given[uri]}]; give each file once"
            )
        first_given[uri] = position
        files.append((uri, decode_content(entry.get("resourceContent"), position)))
    return files


def decode_content(value: object, position: int | None = None) -> bytes:
    where = "resourceContent" if position is None else f"resources[{position}].resourceContent"
    if not isinstance(value, str):
        raise InvalidInput(f"{where} is required: the file content, base64-encoded")
    try:
        content = base64.b64decode(value, validate=True)
    except ValueError as error:  # not base64, or text that is not ASCII
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
    expected: Mapping[str, str | None] | None = None,
) -> Commit:
    """Validate and commit `files`; `expected`: the versions an edit read (ConfigStore)."""
    check_scope(scope, config)
    problems: list[str] = []
    for uri, content in files:
        refuse_project_shipyard(scope, uri, "written")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            continue  # binary files (charts, archives) are stored as they are
        if PurePosixPath(uri).name in KNOWN_FILE_NAMES:
            problems.extend(document_errors(text, uri))
    if problems:
        raise InvalidInput(summarize_problems(problems))
    names = ", ".join(uri for uri, _ in files)
    return config.put_resources(scope, files, author, f"add {names}", expected)


def read_file(scope: ResourceScope, uri: str, version: str | None, config: ConfigStore) -> Resource:
    return _read(scope, canonical_uri(uri), version, config)


def _read(scope: ResourceScope, uri: str, version: str | None, config: ConfigStore) -> Resource:
    """`uri` is canonical already: decoding it a second time would let %2541 become A."""
    _check_version(version)
    check_scope(scope, config)
    resource = config.get_resource(scope, uri, version)
    if resource is None:
        at = f" at commit {version}" if version else ""
        raise NotFound(f"resource '{uri}' does not exist in {scope.describe()}{at}")
    return resource


def list_files(scope: ResourceScope, version: str | None, config: ConfigStore) -> list[Resource]:
    _check_version(version)
    check_scope(scope, config)
    return config.list_resources(scope, version)


def delete_file(scope: ResourceScope, uri: str, author: str, config: ConfigStore) -> Commit:
    canonical = canonical_uri(uri)
    refuse_project_shipyard(scope, canonical, "deleted")
    _read(scope, canonical, None, config)
    return config.delete_resource(scope, canonical, author)


def _check_version(version: str | None) -> None:
    problem = commit_id_problem(version, "query parameter 'gitCommitID'") if version else None
    if problem:
        raise InvalidInput(problem)
