"""HTTP routes for secrets (Keptn's secret-service bodies, and its /api/secrets/v1 paths)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.bootstrap import container
from chalicelib.domain.secrets import Secret
from chalicelib.entrypoints.http_support import api_view, json_object, query_param
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    import chalicelib.services.secrets as secrets
else:
    secrets = lazy_module("chalicelib.services.secrets")

secrets_api = Blueprint(__name__)
ALIAS = "/api/secrets"


def _summary(secret: Secret) -> dict[str, Any]:
    return {"name": secret.name, "scope": secret.scope, "keys": sorted(secret.data)}


@secrets_api.route("/v1/secret", methods=["POST"])
@secrets_api.route(f"{ALIAS}/v1/secret", methods=["POST"])
@api_view
def create_secret() -> Response:
    created = secrets.create_secret(json_object(secrets_api.current_request), container().secrets)
    return Response(body=_summary(created), status_code=201)


@secrets_api.route("/v1/secret", methods=["PUT"])
@secrets_api.route(f"{ALIAS}/v1/secret", methods=["PUT"])
@api_view
def update_secret() -> dict[str, Any]:
    updated = secrets.update_secret(json_object(secrets_api.current_request), container().secrets)
    return _summary(updated)


@secrets_api.route("/v1/secret", methods=["DELETE"])
@secrets_api.route(f"{ALIAS}/v1/secret", methods=["DELETE"])
@api_view
def delete_secret() -> dict[str, Any]:
    request = secrets_api.current_request
    name, scope = query_param(request, "name"), query_param(request, "scope")
    secrets.delete_secret(name, scope, container().secrets)
    return {"message": f"secret '{name}' deleted"}


@secrets_api.route("/v1/secret", methods=["GET"])
@secrets_api.route(f"{ALIAS}/v1/secret", methods=["GET"])
@api_view
def list_secrets() -> dict[str, Any]:
    request = secrets_api.current_request
    found = secrets.list_secrets(
        query_param(request, "name"), query_param(request, "scope"), container().secrets
    )
    return {"Secrets": [{"name": s.name, "scope": s.scope, "keys": list(s.keys)} for s in found]}


@secrets_api.route("/v1/scope", methods=["GET"])
@secrets_api.route(f"{ALIAS}/v1/scope", methods=["GET"])
@api_view
def list_scopes() -> dict[str, Any]:
    return {"scopes": secrets.list_scopes(container().secrets)}
