"""IntegrationStore on DynamoDB, in the config table.

| pk              | sk                        | item                                            |
|-----------------|---------------------------|-------------------------------------------------|
| INTEGRATIONS    | <integration id>          | an integration and its revision                 |
| LOG#<id>        | <time>#<entry id>         | a log entry of one integration                  |
| LOG             | <time>#<id>#<entry id>    | the same entry, in the log of every integration |

Every read is a Query of one partition, newest first; time ranges are key conditions (times are
Keptn's fixed-width UTC format, so they sort as text). Each log entry is written twice (in one
transaction), once per way it is read, and knows where its copy is.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.integrations import Integration, LogEntry

INTEGRATIONS = "INTEGRATIONS"
ALL_LOGS = "LOG"


class DynamoDbIntegrationStore:
    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    # -- integrations ---------------------------------------------------------------------

    def get_integration(self, integration_id: str) -> Integration | None:
        response = self._clients.dynamodb.get_item(
            TableName=self._table,
            Key={"pk": {"S": INTEGRATIONS}, "sk": {"S": integration_id}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _integration(item) if item else None

    def list_integrations(self) -> list[Integration]:
        return [_integration(item) for item in self._query({"pk": INTEGRATIONS}, None)]

    def save_integration(self, integration: Integration) -> bool:
        client = self._clients.dynamodb
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if integration.revision == 0
            else {
                "ConditionExpression": "revision = :seen",
                "ExpressionAttributeValues": {":seen": {"N": str(integration.revision)}},
            }
        )
        try:
            client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": INTEGRATIONS},
                    "sk": {"S": integration.id},
                    "record": {"S": integration.model_dump_json()},
                    "revision": {"N": str(integration.revision + 1)},
                },
                **condition,
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def delete_integration(self, integration_id: str) -> bool:
        answer = self._clients.dynamodb.delete_item(
            TableName=self._table,
            Key={"pk": {"S": INTEGRATIONS}, "sk": {"S": integration_id}},
            ReturnValues="ALL_OLD",
        )
        return bool(answer.get("Attributes"))

    # -- logs -----------------------------------------------------------------------------

    def add_logs(self, entries: list[tuple[str, LogEntry]]) -> None:
        # Both copies of an entry in one transaction (at most 100 items: 50 entries each).
        writes: list[dict[str, Any]] = []
        for entry_id, entry in entries:
            own = {"pk": f"LOG#{entry.integrationid}", "sk": f"{entry.time}#{entry_id}"}
            every = {"pk": ALL_LOGS, "sk": f"{entry.time}#{entry.integrationid}#{entry_id}"}
            for key, copy in ((own, every), (every, own)):
                writes.append(
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                "pk": {"S": key["pk"]},
                                "sk": {"S": key["sk"]},
                                "copyPk": {"S": copy["pk"]},
                                "copySk": {"S": copy["sk"]},
                                "record": {"S": entry.model_dump_json()},
                            },
                        }
                    }
                )
        for start in range(0, len(writes), 100):
            self._clients.dynamodb.transact_write_items(TransactItems=writes[start : start + 100])

    def logs(
        self,
        integration_id: str | None,
        from_time: str | None,
        before_time: str | None,
        offset: int,
        page_size: int,
    ) -> tuple[list[LogEntry], int]:
        request = self._log_query(integration_id, from_time, before_time)
        total = 0
        counting = {**request, "Select": "COUNT"}
        while True:
            response = self._clients.dynamodb.query(**counting)
            total += response.get("Count", 0)
            if "LastEvaluatedKey" not in response:
                break
            counting["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        wanted = offset + page_size
        items: list[dict[str, Any]] = []
        paging = {**request, "ScanIndexForward": False, "Limit": wanted}
        while len(items) < wanted:
            response = self._clients.dynamodb.query(**paging)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            paging["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        page = items[offset:wanted]
        return [LogEntry.model_validate_json(item["record"]["S"]) for item in page], total

    def delete_logs(
        self, integration_id: str | None, from_time: str | None, before_time: str | None
    ) -> int:
        request = self._log_query(integration_id, from_time, before_time)
        keys: list[dict[str, Any]] = []
        while True:
            response = self._clients.dynamodb.query(**request)
            for item in response.get("Items", []):
                keys.append({"pk": item["pk"], "sk": item["sk"]})
                keys.append({"pk": item["copyPk"], "sk": item["copySk"]})
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        self._batch([{"DeleteRequest": {"Key": key}} for key in keys])
        return len(keys) // 2

    def _log_query(
        self, integration_id: str | None, from_time: str | None, before_time: str | None
    ) -> dict[str, Any]:
        pk = f"LOG#{integration_id}" if integration_id else ALL_LOGS
        condition = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": pk}}
        if from_time and before_time:
            condition += " AND sk BETWEEN :from AND :before"
        elif from_time:
            condition += " AND sk >= :from"
        elif before_time:
            condition += " AND sk < :before"
        if from_time:
            values[":from"] = {"S": from_time}
        if before_time:
            values[":before"] = {"S": before_time}
        return {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }

    def _query(self, key: dict[str, str], limit: int | None) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": key["pk"]}},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            response = self._clients.dynamodb.query(**request)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response or (limit and len(items) >= limit):
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        client = self._clients.dynamodb
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self._table: requests[start : start + 25]}
            while pending:
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")


def _integration(item: dict[str, Any]) -> Integration:
    integration = Integration.model_validate_json(item["record"]["S"])
    return integration.model_copy(update={"revision": int(item["revision"]["N"])})
