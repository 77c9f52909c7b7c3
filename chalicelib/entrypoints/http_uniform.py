"""HTTP routes of a project's uniform: apply (a new commit of its uniform.yaml, then the bus's
rules follow), show what is subscribed to what, edit with the `task+=service` grammar, and
remove it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint  # type: ignore[attr-defined]

from chalicelib.bootstrap import uniform_apply_deps
from chalicelib.entrypoints.http_support import api_view, identity_of, json_object
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services.uniform import apply, edits, views
else:
    apply = lazy_module("chalicelib.services.uniform.apply")
    edits = lazy_module("chalicelib.services.uniform.edits")
    views = lazy_module("chalicelib.services.uniform.views")

uniform_api = Blueprint(__name__)
PATH = "/v1/project/{project}/uniform"


@uniform_api.route(PATH, methods=["PUT"])
@api_view
def apply_uniform(project: str) -> dict[str, Any]:
    request = uniform_api.current_request
    text = apply.decode_uniform(json_object(request))
    return apply.apply_uniform(project, text, identity_of(request), uniform_apply_deps())


@uniform_api.route(PATH, methods=["GET"])
@api_view
def get_uniform(project: str) -> dict[str, Any]:
    return views.uniform_state(project, uniform_apply_deps())


@uniform_api.route(PATH, methods=["DELETE"])
@api_view
def delete_uniform(project: str) -> dict[str, Any]:
    request = uniform_api.current_request
    return apply.delete_uniform(project, identity_of(request), uniform_apply_deps())


@uniform_api.route(PATH, methods=["PATCH"])
@api_view
def edit_uniform(project: str) -> dict[str, Any]:
    request = uniform_api.current_request
    return edits.edit_project_uniform(
        project, json_object(request), identity_of(request), uniform_apply_deps()
    )
