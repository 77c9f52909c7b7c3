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
        return self.pause_flag(keptn_context, stage) is not None

    def pause_flag(self, keptn_context: str, stage: str) -> str | None:
        flags = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"PAUSE#{keptn_context}"}},
            ConsistentRead=True,
        ).get("Items", [])
        found = [str(flag["sk"]["S"]) for flag in flags if flag["sk"]["S"] in (ALL_STAGES, stage)]
        return min(found) if found else None  # "*" sorts first

    def flags_as_read(
        self, keptn_context: str, stage: str, paused: bool, paused_by: str | None
    ) -> list[Any]:
        """Condition checks for a run's write that holds only while the context's pause flags
        are as read: a paused run's `paused_by` still set (None: paused by the caller, no
        flag), an unpaused run's stage paused by neither flag."""
        key = {"pk": {"S": f"PAUSE#{keptn_context}"}}
        if paused:
            wanted = [(paused_by, "attribute_exists(pk)")] if paused_by else []
        else:
            wanted = [(flag, "attribute_not_exists(pk)") for flag in (ALL_STAGES, stage)]
        return [
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": {**key, "sk": {"S": flag}},
                    "ConditionExpression": condition,
                }
            }
            for flag, condition in wanted
        ]
