"""Bodies of the API token routes: what a new token is asked for with, and how tokens are
shown (the token itself only in the answer that creates it, never its digest)."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from chalicelib.domain.api.common import ApiModel

TIME = "Keptn's time format, 2006-01-02T15:04:05.000Z"
TOKEN_EXAMPLE = "qm_4Vq0cXh2bLrW9sZQyT1mN8aKdEfGiJoP7uR5vB6xC3w"
CREATED_EXAMPLE: JsonDict = {
    "name": "ci-pipeline",
    "created": "2026-05-01T12:00:00.000Z",
    "createdBy": "admin",
    "expires": "2026-05-31T12:00:00.000Z",
    "expired": False,
}


class TokenRequest(ApiModel):
    """A new token: its name and, at most one of them, when it expires."""

    # Unlike other bodies, an unknown field is refused (http_tokens): a mistyped expiry
    # would otherwise make a token that never expires.
    model_config = ConfigDict(
        json_schema_extra={
            "additionalProperties": False,
            "examples": [{"name": "ci-pipeline", "expiresIn": "30d"}],
        }
    )

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$",
        description="unique; the identity events sent with the token carry (qmsubmitter)",
    )
    expires_in: str | None = Field(
        default=None,
        alias="expiresIn",
        description="30d, or a Go duration such as 12h or 90m; not with expiresAt",
    )
    expires_at: str | None = Field(
        default=None,
        alias="expiresAt",
        description="an RFC 3339 time in the future; not with expiresIn",
    )


class TokenSummary(ApiModel):
    """A token as listed: never the token or its digest."""

    model_config = ConfigDict(json_schema_extra={"examples": [CREATED_EXAMPLE]})

    name: str
    created: str = Field(description=TIME)
    created_by: str = Field(alias="createdBy", description="the identity that created it")
    expires: str | None = Field(description=f"{TIME}; null when it never expires")
    expired: bool


class TokenCreated(TokenSummary):
    """The new token: `token` is shown in this answer and nowhere else."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**CREATED_EXAMPLE, "token": TOKEN_EXAMPLE}]}
    )

    token: str = Field(description="the x-token value; store it now, it is not shown again")


class TokenList(ApiModel):
    """The tokens, by name."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"tokens": [CREATED_EXAMPLE]}]})

    tokens: list[TokenSummary]
