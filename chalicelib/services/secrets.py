"""Secrets: create, update, delete and list them; values are written, never read back."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.secrets import DEFAULT_SCOPE, WELL_KNOWN_SCOPES, Secret, SecretSummary
from chalicelib.errors import InvalidInput
from chalicelib.ports import SecretStore
from chalicelib.services.bodies import parse_body


def parse_secret(body: dict[str, Any]) -> Secret:
    """Keptn's `{name, scope, data: {key: value}}`; every problem named with its field."""
    return parse_body(Secret, {"scope": DEFAULT_SCOPE, **body})


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
    store.delete(name, scope or DEFAULT_SCOPE)


def list_secrets(name: str | None, scope: str | None, store: SecretStore) -> list[SecretSummary]:
    return [
        secret
        for secret in store.list()
        if (name is None or secret.name == name) and (scope is None or secret.scope == scope)
    ]


def list_scopes(store: SecretStore) -> list[str]:
    return sorted(set(WELL_KNOWN_SCOPES) | {secret.scope for secret in store.list()})
