"""What arrives for a dispatched task after it was stored: tools' answers, counted once each,
and the tokens its execution comes to wait on it with.

Counting an answer is one conditional update that also records the event's key, so a
redelivered event counts once. A `.finished` that completes its task as it is counted (no
`.finished` before it, at most one `.started`: nearly every task) closes the task in the same
update, which answers with the task's tokens: counting and closing cost one call.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.dynamodb_writes import outbox_of
from chalicelib.domain.runs import CompletedTask, TaskRecord


class DynamoDbTaskAnswers:
    """The answering half of the task items; DynamoDbRunStore puts it together with the rest."""

    _table: str

    @property
    def _db(self) -> Any:
        raise NotImplementedError

    def _task_key(self, triggered_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"TASK#{triggered_id}"}, "sk": {"S": "TASK"}}

    def count_answer(
        self,
        triggered_id: str,
        task_name: str,
        phase: str,
        event_key: str,
        data: dict[str, object],
    ) -> TaskRecord | None:
        counter = "finished" if phase == "finished" else "started"
        expression = f"ADD {counter} :one SET seen = list_append(seen, :key)"
        values: dict[str, Any] = {
            ":one": {"N": "1"},
            ":key": {"L": [{"S": event_key}]},
            ":keyValue": {"S": event_key},
            ":true": {"BOOL": True},
            ":name": {"S": task_name},
        }
        if counter == "finished":
            expression = expression.replace(
                "SET seen", "SET finishedData = list_append(finishedData, :data), seen"
            )
            values[":data"] = {"L": [{"S": json.dumps(data)}]}
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=self._task_key(triggered_id),
                UpdateExpression=expression,
                ConditionExpression=(
                    "isOpen = :true AND taskName = :name AND NOT contains(seen, :keyValue)"
                ),
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return None
        return task_from_item(response["Attributes"])

    def finish_alone(
        self,
        triggered_id: str,
        task_name: str,
        event_key: str,
        data: dict[str, object],
        completion: CompletedTask,
        outcome: dict[str, str],
    ) -> tuple[bool, TaskRecord | None]:
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=self._task_key(triggered_id),
                UpdateExpression=(
                    "ADD finished :one SET finishedData = list_append(finishedData, :data), "
                    "seen = list_append(seen, :key), isOpen = :false, outcome = :outcome, "
                    "completion = :completion REMOVE openKey"
                ),
                ConditionExpression=(
                    "isOpen = :true AND taskName = :name AND NOT contains(seen, :keyValue) "
                    "AND finished = :zero AND started < :two"
                ),
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":zero": {"N": "0"},
                    ":two": {"N": "2"},
                    ":true": {"BOOL": True},
                    ":false": {"BOOL": False},
                    ":name": {"S": task_name},
                    ":key": {"L": [{"S": event_key}]},
                    ":keyValue": {"S": event_key},
                    ":data": {"L": [{"S": json.dumps(data)}]},
                    ":outcome": {"S": json.dumps(outcome)},
                    ":completion": {"S": completion.model_dump_json()},
                },
                ReturnValues="ALL_NEW",
                # Refused: the task as it is tells why, without another read.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            item = error.response.get("Item")
            return False, task_from_item(item) if item else None
        return True, task_from_item(response["Attributes"])

    def add_token(self, triggered_id: str, token: str) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._task_key(triggered_id),
                UpdateExpression=(
                    "SET laterTokens = list_append(if_not_exists(laterTokens, :none), :token)"
                ),
                ConditionExpression=(
                    "isOpen = :true AND #token <> :tokenValue "
                    "AND NOT contains(laterTokens, :tokenValue)"
                ),
                ExpressionAttributeNames={"#token": "token"},
                ExpressionAttributeValues={
                    ":none": {"L": []},
                    ":token": {"L": [{"S": token}]},
                    ":tokenValue": {"S": token},
                    ":true": {"BOOL": True},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            item = error.response.get("Item")
            if not item:
                return False
            known = task_from_item(item)
            return known.open and token in known.tokens  # kept before (a redelivery)
        return True


def task_from_item(item: dict[str, Any]) -> TaskRecord:
    record = json.loads(item["record"]["S"])
    return TaskRecord.model_validate(
        {
            **record,
            "token": item["token"]["S"],
            "later_tokens": [entry["S"] for entry in item.get("laterTokens", {}).get("L", [])],
            "started": int(item["started"]["N"]),
            "finished": int(item["finished"]["N"]),
            "finished_data": [
                json.loads(e["S"]) for e in item.get("finishedData", {}).get("L", [])
            ],
            "open": item["isOpen"]["BOOL"],
            "held": item.get("held", {}).get("BOOL", False),
            "released": item.get("released", {}).get("BOOL", False),
            "decision": json.loads(item["decision"]["S"]) if "decision" in item else None,
            "seen": [entry["S"] for entry in item.get("seen", {}).get("L", [])],
            "outcome": json.loads(item["outcome"]["S"]) if "outcome" in item else None,
            "completion": json.loads(item["completion"]["S"]) if "completion" in item else None,
            "outbox": outbox_of(item),
        }
    )
