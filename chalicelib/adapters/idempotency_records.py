"""Powertools' DynamoDB persistence layer for idempotency records, on this deployment's table.

Built on first use, never at import: `aws_lambda_powertools.utilities.idempotency` imports boto3,
and its layer creates a client unless it is handed one; it gets the container's lazily created
DynamoDB client, so it reaches the local emulator through AWS_ENDPOINT_URL as every adapter does.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.adapters.aws_clients import AwsClients


class IdempotencyRecords:
    """One persistence layer per handler: Powertools configures a layer once, on its first
    call, with that handler's key expression, and the local runtime runs every handler in one
    process."""

    def __init__(self, clients: AwsClients, table: str) -> None:
        self._clients = clients
        self._table = table
        self._layers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def layer(self, handler_name: str) -> Any:
        """The persistence layer of `handler_name` (a DynamoDBPersistenceLayer)."""
        with self._lock:
            found = self._layers.get(handler_name)
            if found is None:
                from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

                # Powertools' defaults: key `id`, TTL on `expiration` (infra/tables.py).
                found = DynamoDBPersistenceLayer(
                    table_name=self._table, boto3_client=self._clients.dynamodb
                )
                self._layers[handler_name] = found
            return found
