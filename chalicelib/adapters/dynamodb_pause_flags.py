"""PauseFlags on DynamoDB: contexts paused by a user, so that their runs start paused.

| pk                    | sk                    | item                                          |
|-----------------------|-----------------------|-----------------------------------------------|
| PAUSE#<context>       | <stage> or *          | runs of the context start paused              |
"""

from __future__ import annotations

from typing import Any

ALL_STAGES = "*"


class DynamoDbPauseFlags:
    """The pause half of the runs table; DynamoDbRunStore puts it together with the rest."""

    _table: str

    @property
    def _db(self) -> Any:
        raise NotImplementedError

    def set_context_pause(self, keptn_context: str, stage: str | None, paused: bool) -> None:
        key = {"pk": {"S": f"PAUSE#{keptn_context}"}, "sk": {"S": stage or ALL_STAGES}}
        if paused:
            self._db.put_item(TableName=self._table, Item=key)
            return
        if stage is not None:
            self._db.delete_item(TableName=self._table, Key=key)
            return
        flags = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": key["pk"]},
            ConsistentRead=True,
        ).get("Items", [])
        for flag in flags:
            self._db.delete_item(TableName=self._table, Key={"pk": flag["pk"], "sk": flag["sk"]})

    def context_paused(self, keptn_context: str, stage: str) -> bool:
        flags = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"PAUSE#{keptn_context}"}},
            ConsistentRead=True,
        ).get("Items", [])
        return any(flag["sk"]["S"] in (ALL_STAGES, stage) for flag in flags)
