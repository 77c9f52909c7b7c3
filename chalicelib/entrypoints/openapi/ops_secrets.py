"""The operations of the secret routes (http_secrets)."""

from __future__ import annotations

from chalicelib.domain.api.common import MessageBody
from chalicelib.domain.api.secrets import ScopeList, SecretList, SecretRequest, SecretSummary
from chalicelib.entrypoints.openapi.spec import Operation, Query

TAG = "secrets"
NAME = Query("name", "only the secret with this name")
SCOPE = Query("scope", "only secrets of this scope")
SIZE = "413 when the JSON of all its key/values is above 64 KB (Secrets Manager's limit)."

OPERATIONS = [
    Operation(
        "POST",
        "/v1/secret",
        "Create a secret",
        TAG,
        SecretSummary,
        status=201,
        body=SecretRequest,
        errors=(409,),
        description=SIZE + " 409 when the name is taken in the scope.",
    ),
    Operation(
        "PUT",
        "/v1/secret",
        "Replace a secret's data",
        TAG,
        SecretSummary,
        body=SecretRequest,
        errors=(404,),
        description=SIZE + " 404 when the secret does not exist.",
    ),
    Operation(
        "DELETE",
        "/v1/secret",
        "Delete a secret",
        TAG,
        MessageBody,
        query=(
            Query("name", "the secret to delete", required=True),
            Query("scope", "its scope (default keptn-default)"),
        ),
        errors=(404,),
    ),
    Operation(
        "GET",
        "/v1/secret",
        "List secrets: names, scopes and keys, never values",
        TAG,
        SecretList,
        query=(NAME, SCOPE),
    ),
    Operation("GET", "/v1/scope", "The secret scopes", TAG, ScopeList),
]
