"""SecretStore on AWS Secrets Manager: one secret per (scope, name), under a per-stage prefix.

The value is the JSON of the key/values; the keys are repeated in the description so listing
never reads a value.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.secrets import Secret, SecretSummary
from chalicelib.errors import Conflict, InvalidInput, NotFound

# Secrets Manager's limit on a secret's name, which holds the prefix, the scope and the name.
MAX_SECRET_ID_CHARS = 512


class SecretsManagerStore:
    def __init__(self, clients: AwsClients, prefix: str) -> None:
        self._clients = clients
        self._prefix = prefix.rstrip("/") + "/"

    def _id(self, name: str, scope: str) -> str:
        secret_id = f"{self._prefix}{scope}/{name}"
        if len(secret_id) > MAX_SECRET_ID_CHARS:
            room = MAX_SECRET_ID_CHARS - len(self._prefix) - 1
            raise InvalidInput(
                f"name and scope: together at most {room} characters in this deployment "
                f"({len(scope) + len(name)} given)"
            )
        return secret_id

    def create(self, secret: Secret) -> None:
        client = self._clients.secretsmanager
        try:
            client.create_secret(
                Name=self._id(secret.name, secret.scope),
                SecretString=secret.value_json(),
                Description=secret.keys_json(),
            )
        except client.exceptions.ResourceExistsException as error:
            raise Conflict(
                f"secret '{secret.name}' already exists in scope '{secret.scope}'; "
                "update it with PUT instead"
            ) from error

    def update(self, secret: Secret) -> None:
        client = self._clients.secretsmanager
        secret_id = self._id(secret.name, secret.scope)
        try:
            client.update_secret(
                SecretId=secret_id,
                SecretString=secret.value_json(),
                Description=secret.keys_json(),
            )
        except client.exceptions.ResourceNotFoundException as error:
            raise NotFound(_missing(secret.name, secret.scope)) from error

    def delete(self, name: str, scope: str) -> None:
        client = self._clients.secretsmanager
        try:
            client.describe_secret(SecretId=self._id(name, scope))
        except client.exceptions.ResourceNotFoundException as error:
            raise NotFound(_missing(name, scope)) from error
        # Immediate, as in Keptn: a recovery window would block re-creating the same name.
        client.delete_secret(SecretId=self._id(name, scope), ForceDeleteWithoutRecovery=True)

    def list(self) -> list[SecretSummary]:
        client = self._clients.secretsmanager
        request: dict[str, Any] = {"Filters": [{"Key": "name", "Values": [self._prefix]}]}
        found: list[SecretSummary] = []
        while True:
            response = client.list_secrets(**request)
            for entry in response.get("SecretList", []):
                scope, _, name = entry["Name"][len(self._prefix) :].partition("/")
                keys = json.loads(entry.get("Description") or "{}").get("keys", [])
                found.append(SecretSummary(name=name, scope=scope, keys=tuple(keys)))
            if not response.get("NextToken"):
                return sorted(found, key=lambda s: (s.scope, s.name))
            request["NextToken"] = response["NextToken"]

    def read(self, name: str, scope: str) -> Secret | None:
        client = self._clients.secretsmanager
        try:
            value = client.get_secret_value(SecretId=self._id(name, scope))
        except client.exceptions.ResourceNotFoundException:
            return None
        return Secret(name=name, scope=scope, data=json.loads(value["SecretString"]))


def _missing(name: str, scope: str) -> str:
    return f"secret '{name}' does not exist in scope '{scope}'"
