"""TokenStore on DynamoDB: token digests in one small partition of the config table."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.ports import TokenRecord

TOKENS = "TOKENS"


class DynamoDbTokenStore:
    """Reads all digests in one Query (a handful of tokens) and writes one item per token."""

    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    def list_tokens(self) -> list[TokenRecord]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": TOKENS}},
        }
        records: list[TokenRecord] = []
        while True:
            response = self._clients.dynamodb.query(**request)
            records.extend(
                TokenRecord.model_validate_json(item["record"]["S"])
                for item in response.get("Items", [])
            )
            if "LastEvaluatedKey" not in response:
                return records
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def put_token(self, record: TokenRecord) -> None:
        self._clients.dynamodb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": TOKENS},
                "sk": {"S": record.name},
                "record": {"S": record.model_dump_json()},
            },
        )
