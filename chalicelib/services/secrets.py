"""Secrets: create, update, delete and list them; values are written, never read back."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.secrets import (
    DEFAULT_SCOPE,
    MAX_DESCRIPTION_CHARS,
    MAX_SECRET_BYTES,
    WELL_KNOWN_SCOPES,
    Secret,
    SecretSummary,
)
from chalicelib.errors import InvalidInput, PayloadTooLarge
from chalicelib.ports import SecretStore
from chalicelib.services.bodies import parse_body


def parse_secret(body: dict[str, Any]) -> Secret:
    """Keptn's `{name, scope, data: {key: value}}`; every problem named with its field, and a
    secret Secrets Manager would refuse for its size refused here, before any write."""
    secret = parse_body(Secret, {"scope": DEFAULT_SCOPE, **body})
    size = len(secret.value_json().encode("utf-8"))
    if size > MAX_SECRET_BYTES:
        raise PayloadTooLarge(
            f"data: secret '{secret.name}' is {size} bytes as stored (the JSON of all its "
            f"key/values); AWS Secrets Manager holds at most {MAX_SECRET_BYTES} bytes (64 KB) "
            "per secret; store large values elsewhere and keep only a reference here"
        )
    if len(secret.keys_json()) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput(
            f"data: secret '{secret.name}' has {len(secret.data)} keys whose names take "
            f"{len(secret.keys_json())} characters together; at most {MAX_DESCRIPTION_CHARS} "
            "fit (they are kept in the secret's description); use fewer or shorter keys"
        )
    return secret


def create_secret(body: dict[str, Any], store: SecretStore) -> Secret:
    secret = parse_secret(body)
    store.create(secret)
    return secret


def update_secret(body: dict[str, Any], store: SecretStore) -> Secret:
    secret = parse_secret(body)
    store.update(secret)
    return secret


def delete_secret(name: str | None, scope: str | None, store: SecretStore) -> None:
    if not name:
        raise InvalidInput("query parameter 'name' is required: the secret to delete")
    # The same rules as for creating: anything else could not name a secret (nor a valid id).
    secret = parse_body(Secret, {"name": name, "scope": scope or DEFAULT_SCOPE})
    store.delete(secret.name, secret.scope)


def list_secrets(name: str | None, scope: str | None, store: SecretStore) -> list[SecretSummary]:
    return [
        secret
        for secret in store.list()
        if (name is None or secret.name == name) and (scope is None or secret.scope == scope)
    ]


def list_scopes(store: SecretStore) -> list[str]:
    return sorted(set(WELL_KNOWN_SCOPES) | {secret.scope for secret in store.list()})
