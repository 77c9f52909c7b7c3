"""Bodies of the secret routes (Keptn's secret-service shapes); values go in, never out."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from chalicelib.domain.api.common import ApiModel


class SecretRequest(ApiModel):
    """Create or replace a secret."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "slack", "scope": "keptn-webhook-service", "data": {"token": "xoxb-1"}}
            ]
        }
    )

    name: str = Field(description="lowercase letters, digits, '-' or '.' (at most 253)")
    scope: str = Field(default="keptn-default", description="who may read it")
    data: dict[str, str] = Field(default_factory=dict, description="key: value")


class SecretSummary(ApiModel):
    """A secret's name, scope and keys: never its values."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "slack", "scope": "keptn-webhook-service", "keys": ["token"]}]
        }
    )

    name: str
    scope: str
    keys: list[str]


class SecretList(ApiModel):
    secrets: list[SecretSummary] = Field(alias="Secrets")


class ScopeList(ApiModel):
    scopes: list[str]
