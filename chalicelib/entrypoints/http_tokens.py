"""HTTP routes for API tokens: create (the token is in the answer, once), list, revoke."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response  # type: ignore[attr-defined]

from chalicelib.bootstrap import container
from chalicelib.entrypoints.http_support import api_view, identity_of, json_object
from chalicelib.errors import InvalidInput
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import tokens
else:
    tokens = lazy_module("chalicelib.services.tokens")

tokens_api = Blueprint(__name__)
KNOWN_FIELDS = frozenset({"name", "expiresIn", "expiresAt"})


@tokens_api.route("/v1/token", methods=["POST"])
@api_view
def create_token() -> Response:
    request = tokens_api.current_request
    body = json_object(request)
    unknown = sorted(set(body) - KNOWN_FIELDS)
    if unknown:
        raise InvalidInput(
            f"unknown field '{unknown[0]}'; a token has name, expiresIn or expiresAt"
        )
    deps = container()
    now = deps.clock()
    expires = tokens.expiry(body.get("expiresIn"), body.get("expiresAt"), now)
    created = tokens.create_token(deps.tokens, body.get("name"), expires, identity_of(request), now)
    deps.verifier.forget()  # usable at once here; other warm processes re-read on a miss
    answer = {**tokens.describe(created.record, now), "token": created.token}
    return Response(
        body=answer,
        status_code=201,
        # The token is in this answer and nowhere else: no cache may keep it.
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


@tokens_api.route("/v1/token", methods=["GET"])
@api_view
def list_tokens() -> dict[str, Any]:
    deps = container()
    now = deps.clock()
    return {"tokens": [tokens.describe(record, now) for record in tokens.list_tokens(deps.tokens)]}


@tokens_api.route("/v1/token/{name}", methods=["DELETE"])
@api_view
def revoke_token(name: str) -> dict[str, str]:
    deps = container()
    tokens.revoke_token(deps.tokens, name, deps.clock())
    # This process stops accepting it at once; other warm ones within their cache time.
    deps.verifier.forget()
    seconds = deps.settings.token_cache_seconds
    return {"message": f"token '{name}' revoked; it stops working everywhere within {seconds} s"}
