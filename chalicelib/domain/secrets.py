"""Secrets as Keptn's secret service models them: a name, a scope and string key/values."""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_SCOPE = "keptn-default"
WELL_KNOWN_SCOPES = ("keptn-default", "keptn-webhook-service")
# Kubernetes secret names, which Keptn's secrets were: DNS-1123 subdomain characters.
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
# AWS Secrets Manager's limits: 65,536 bytes of SecretString (the JSON of all the key/values
# together) and 2,048 characters of description (where the key names are kept for listing).
MAX_SECRET_BYTES = 65_536
MAX_DESCRIPTION_CHARS = 2_048


def check_secret_name(value: str, what: str) -> str:
    """`value` if it is a valid secret name or scope; ValueError naming the rule otherwise."""
    if not _NAME.match(value) or len(value) > 253:
        raise ValueError(
            f"{what} '{value}' must be lowercase letters, digits, '-' or '.', "
            "starting and ending with a letter or digit (at most 253 characters)"
        )
    return value


class Secret(BaseModel):
    """A secret with its values; values never leave the control plane through the API."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    scope: str = DEFAULT_SCOPE
    data: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_secret_name(value, "name")

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        return check_secret_name(value or DEFAULT_SCOPE, "scope")

    @field_validator("data")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not _KEY.match(key):
                raise ValueError(f"key '{key}' may hold only letters, digits, '-', '_' and '.'")
        return value

    def value_json(self) -> str:
        """The stored value: the JSON of the key/values, as Secrets Manager's SecretString."""
        return json.dumps(self.data)

    def keys_json(self) -> str:
        """The key names, stored beside the value so that listing never reads a value."""
        return json.dumps({"keys": sorted(self.data)})


class SecretSummary(BaseModel):
    """What listing shows: names and keys, never values."""

    model_config = ConfigDict(frozen=True)

    name: str
    scope: str
    keys: tuple[str, ...]
