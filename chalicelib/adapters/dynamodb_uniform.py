"""UniformStore on DynamoDB, in the config table.

| pk              | sk             | item                                                    |
|-----------------|----------------|---------------------------------------------------------|
| SUBSCRIPTIONS   | <id>           | a subscription and its project (immutable: id = hash)   |
| P#<project>     | UNIFORM        | the project's last applied uniform                      |

The applied record lives in the project's partition, so deleting the project deletes it.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.uniform_state import AppliedUniform, StoredSubscription

SUBSCRIPTIONS = "SUBSCRIPTIONS"
APPLIED = "UNIFORM"


class DynamoDbUniformStore:
    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    def put_subscriptions(self, records: list[StoredSubscription]) -> None:
        # One put each (a uniform has a handful): a record never changes, so a repeat is
        # harmless.
        for record in {record.subscription.id: record for record in records}.values():
            self._clients.dynamodb.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": SUBSCRIPTIONS},
                    "sk": {"S": record.subscription.id},
                    "record": {"S": record.model_dump_json()},
                },
            )

    def get_subscription(self, subscription_id: str) -> StoredSubscription | None:
        item = self._get(SUBSCRIPTIONS, subscription_id)
        return StoredSubscription.model_validate_json(item["record"]["S"]) if item else None

    def get_applied(self, project: str) -> AppliedUniform | None:
        item = self._get(f"P#{project}", APPLIED)
        return AppliedUniform.model_validate_json(item["record"]["S"]) if item else None

    def put_applied(self, applied: AppliedUniform) -> None:
        self._clients.dynamodb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"P#{applied.project}"},
                "sk": {"S": APPLIED},
                "record": {"S": applied.model_dump_json()},
            },
        )

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._clients.dynamodb.get_item(
            TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item
