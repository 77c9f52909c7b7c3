"""TokenStore on DynamoDB: token digests in one small partition of the config table."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.errors import Conflict
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
        self._clients.dynamodb.put_item(TableName=self._table, Item=self._item(record))

    def create_token(self, record: TokenRecord) -> None:
        dynamodb = self._clients.dynamodb
        try:
            # Conditional, so two requests for the same new name cannot both win.
            dynamodb.put_item(
                TableName=self._table,
                Item=self._item(record),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except dynamodb.exceptions.ConditionalCheckFailedException as error:
            raise Conflict(
                f"a token named '{record.name}' already exists; choose another name, "
                f"or revoke it first (qm delete token {record.name})"
            ) from error

    def delete_token(self, name: str) -> bool:
        answer = self._clients.dynamodb.delete_item(
            TableName=self._table,
            Key={"pk": {"S": TOKENS}, "sk": {"S": name}},
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in answer

    @staticmethod
    def _item(record: TokenRecord) -> dict[str, Any]:
        return {
            "pk": {"S": TOKENS},
            "sk": {"S": record.name},
            "record": {"S": record.model_dump_json()},
        }
