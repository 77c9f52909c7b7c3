"""HTTP routes for configuration resources at project, stage and service scope (Keptn's bodies).

Every view takes the path parameters as keywords, so one view serves all three scopes and the
`/api/resource-service` alias paths.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import container
from chalicelib.domain.projects import Commit, Resource, ResourceScope
from chalicelib.domain.resource_uris import UNIFORM_URI
from chalicelib.entrypoints.http_support import (
    api_view,
    identity_of,
    json_object,
    one_page,
    query_param,
)
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    import chalicelib.services.resources as resources
else:
    resources = lazy_module("chalicelib.services.resources")

resources_api = Blueprint(__name__)

SCOPES = (
    "/v1/project/{project}",
    "/v1/project/{project}/stage/{stage}",
    "/v1/project/{project}/stage/{stage}/service/{service}",
)
ALIAS = "/api/resource-service"


def _scope(params: dict[str, str]) -> ResourceScope:
    return ResourceScope(
        project=params["project"], stage=params.get("stage"), service=params.get("service")
    )


def _commit_body(commit: Commit) -> dict[str, Any]:
    return {"commitID": commit.id, "metadata": {"version": commit.id}}


def _resource_body(resource: Resource, with_content: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"resourceURI": resource.uri, "metadata": {"version": resource.version}}
    if with_content:
        body["resourceContent"] = base64.b64encode(resource.content).decode()
    return body


@api_view
def list_resources(**params: str) -> dict[str, Any]:
    one_page(resources_api.current_request)
    version = query_param(resources_api.current_request, "gitCommitID")
    found = resources.list_files(_scope(params), version, container().config)
    items = [_resource_body(resource, with_content=False) for resource in found]
    return {"resources": items, "pageSize": len(items), "totalCount": len(items)}


def _uniform_changed(scope: ResourceScope, uris: list[str]) -> None:
    """A project's uniform.yaml written or deleted here is applied as `qm apply uniform`
    applies it: the uniform applier brings the bus's rules in line."""
    requests = container().apply_requests
    if scope.stage is None and UNIFORM_URI in uris and requests is not None:
        requests.request_apply(scope.project)


@api_view
def write_resources(**params: str) -> dict[str, Any]:
    request = resources_api.current_request
    files = resources.decode_files(json_object(request))
    scope = _scope(params)
    commit = resources.write_files(scope, files, identity_of(request), container().config)
    _uniform_changed(scope, [uri for uri, _ in files])
    return _commit_body(commit)


@api_view
def get_resource(uri: str, **params: str) -> dict[str, Any]:
    version = query_param(resources_api.current_request, "gitCommitID")
    found = resources.read_file(_scope(params), uri, version, container().config)
    return _resource_body(found, with_content=True)


@api_view
def put_resource(uri: str, **params: str) -> dict[str, Any]:
    request = resources_api.current_request
    content = resources.decode_content(json_object(request).get("resourceContent"))
    files = [(resources.normalize_uri(uri), content)]
    scope = _scope(params)
    commit = resources.write_files(scope, files, identity_of(request), container().config)
    _uniform_changed(scope, [files[0][0]])
    return _commit_body(commit)


@api_view
def delete_resource(uri: str, **params: str) -> dict[str, Any]:
    request = resources_api.current_request
    scope = _scope(params)
    commit = resources.delete_file(scope, uri, identity_of(request), container().config)
    _uniform_changed(scope, [resources.normalize_uri(uri)])
    return _commit_body(commit)


for _prefix in (*SCOPES, *(ALIAS + scope for scope in SCOPES)):
    resources_api.route(f"{_prefix}/resource", methods=["GET"])(list_resources)
    resources_api.route(f"{_prefix}/resource", methods=["POST", "PUT"])(write_resources)
    resources_api.route(f"{_prefix}/resource/{{uri}}", methods=["GET"])(get_resource)
    resources_api.route(f"{_prefix}/resource/{{uri}}", methods=["PUT"])(put_resource)
    resources_api.route(f"{_prefix}/resource/{{uri}}", methods=["DELETE"])(delete_resource)
