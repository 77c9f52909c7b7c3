"""The operations of the API token routes (http_tokens)."""

from __future__ import annotations

from chalicelib.domain.api.common import MessageBody
from chalicelib.domain.api.tokens import TokenCreated, TokenList, TokenRequest
from chalicelib.entrypoints.openapi.spec import Operation

TAG = "tokens"

OPERATIONS = [
    Operation(
        "POST",
        "/v1/token",
        "Create an API token (shown in this answer only)",
        TAG,
        TokenCreated,
        status=201,
        body=TokenRequest,
        errors=(409,),
        headers=(("Cache-Control", "no-store: no cache may keep the token"),),
        description="409 when the name is taken (revoke the old token first). Unlike other "
        "bodies, an unknown field is a 400: a mistyped expiry would make a token that never "
        "expires. Without expiresIn or expiresAt the token never expires.",
    ),
    Operation("GET", "/v1/token", "List the tokens (never a token or its digest)", TAG, TokenList),
    Operation(
        "DELETE",
        "/v1/token/{name}",
        "Revoke a token",
        TAG,
        MessageBody,
        errors=(409,),
        description="404 when no token has the name; 409 when it is the last usable one. "
        "Other warm processes stop accepting it within the token cache time.",
    ),
]
