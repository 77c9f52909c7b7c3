"""WebhookJournal on the idempotency table: one item per request of a webhook delivery.

| id                                         | item                                      |
|--------------------------------------------|-------------------------------------------|
| webhook#<sha256 of the delivery>#<request> | state (sending, done, failed), outcome    |

Claiming is a conditional put, so exactly one attempt of a delivery claims each request. The
items expire with the table's TTL (`expiration`, a day): longer than EventBridge and Lambda
redeliver an event.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.ports import JournalEntry

REMEMBER_SECONDS = 24 * 60 * 60


class DynamoDbWebhookJournal:
    def __init__(self, clients: AwsClients, table: str) -> None:
        self._clients = clients
        self._table = table

    @staticmethod
    def _key(delivery: str, request: int) -> dict[str, Any]:
        digest = hashlib.sha256(delivery.encode("utf-8")).hexdigest()
        return {"id": {"S": f"webhook#{digest}#{request}"}}

    def claim(self, delivery: str, request: int) -> JournalEntry | None:
        client = self._clients.dynamodb
        item = self._key(delivery, request) | {
            "state": {"S": "sending"},
            "expiration": {"N": str(int(time.time()) + REMEMBER_SECONDS)},
        }
        try:
            client.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(id)"
            )
            return None
        except client.exceptions.ConditionalCheckFailedException:
            pass
        stored = client.get_item(
            TableName=self._table, Key=self._key(delivery, request), ConsistentRead=True
        ).get("Item")
        if stored is None:  # expired between the two calls: claim it again
            return self.claim(delivery, request)
        return JournalEntry(
            state=stored["state"]["S"],
            response=json.loads(stored["response"]["S"]) if "response" in stored else None,
            message=stored.get("message", {}).get("S", ""),
        )

    def settle(self, delivery: str, request: int, entry: JournalEntry) -> None:
        self._clients.dynamodb.update_item(
            TableName=self._table,
            Key=self._key(delivery, request),
            UpdateExpression="SET #state = :state, #response = :response, #message = :message",
            ExpressionAttributeNames={
                "#state": "state",
                "#response": "response",
                "#message": "message",
            },
            ExpressionAttributeValues={
                ":state": {"S": entry.state},
                ":response": {"S": json.dumps(entry.response)},
                ":message": {"S": entry.message},
            },
        )
