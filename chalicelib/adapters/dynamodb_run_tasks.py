"""Dispatched tasks in the runs table: the private token, answers counted once, held tasks.

Counting an answer is one conditional update that also records the event's key, so a
redelivered event counts once; a task dispatched while its run is paused is held (stored, not
sent, no answer deadline) until the run is resumed.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.adapters.dynamodb_writes import (
    clear_outbox,
    outbox_item,
    outbox_of,
    outbox_set,
    succeeded,
)
from chalicelib.domain.effects import Effect
from chalicelib.domain.runs import CompletedTask, CurrentTask, RunState, TaskRecord

SEP = "\x1f"


class DynamoDbTaskStore:
    """The task half of the RunStore; DynamoDbRunStore adds runs, queues and pauses."""

    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    @property
    def _db(self) -> Any:
        return self._clients.dynamodb

    def _open_run_update(
        self, run_id: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _query_index(
        self, index: str, attribute: str, value: str, forward: bool, limit: int | None
    ) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _task_key(self, triggered_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"TASK#{triggered_id}"}, "sk": {"S": "TASK"}}

    def record_decision(
        self, triggered_id: str, decision: dict[str, str], effects: list[Effect], stamp: str
    ) -> bool:
        clauses, names, values = outbox_set(effects, stamp)
        return succeeded(
            self._db,
            self._db.update_item,
            TableName=self._table,
            Key=self._task_key(triggered_id),
            UpdateExpression="SET " + ", ".join(["decision = :decision", *clauses]),
            ConditionExpression=(
                "isOpen = :true AND attribute_not_exists(decision) AND finished = :zero"
            ),
            **_names(names),
            ExpressionAttributeValues={
                ":decision": {"S": json.dumps(decision)},
                ":true": {"BOOL": True},
                ":zero": {"N": "0"},
                **values,
            },
        )

    def clear_task_effects(self, triggered_id: str, names: list[str]) -> None:
        clear_outbox(self._db, self._table, self._task_key(triggered_id), names)

    def release_task(
        self, triggered_id: str, answer_deadline: str, effects: list[Effect], stamp: str
    ) -> TaskRecord | None:
        clauses, names, values = outbox_set(effects, stamp)
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=self._task_key(triggered_id),
                UpdateExpression="SET "
                + ", ".join(["held = :false", "deadline = :deadline", *clauses]),
                ConditionExpression="isOpen = :true AND held = :true",
                **_names(names),
                ExpressionAttributeValues={
                    ":false": {"BOOL": False},
                    ":true": {"BOOL": True},
                    ":deadline": {"S": answer_deadline},
                    **values,
                },
                ReturnValues="ALL_NEW",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return None
        return _task_from_item(response["Attributes"])

    def create_task(
        self,
        task: TaskRecord,
        project: str,
        answer_deadline: str | None,
        current: tuple[CurrentTask, RunState],
        effects: list[Effect],
        stamp: str,
    ) -> bool:
        item: dict[str, Any] = {
            **self._task_key(task.triggered_id),
            "record": {
                "S": task.model_dump_json(
                    include={
                        "triggered_id",
                        "run_id",
                        "index",
                        "name",
                        "event_type",
                        "dispatched",
                        "properties",
                    }
                )
            },
            "token": {"S": task.token},
            "started": {"N": "0"},
            "finished": {"N": "0"},
            "finishedData": {"L": []},
            "seen": {"L": []},
            "isOpen": {"BOOL": True},
            "taskName": {"S": task.name},
            "openKey": {"S": f"{project}{SEP}{task.event_type}"},
            "dispatched": {"S": task.dispatched},
            "held": {"BOOL": answer_deadline is None},
            "outbox": outbox_item(effects, stamp),
        }
        if answer_deadline is not None:
            item["deadline"] = {"S": answer_deadline}
        put = {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        run_update = self._open_run_update(task.run_id, **current_update(*current))
        return succeeded(
            self._db,
            self._db.transact_write_items,
            TransactItems=[{"Put": put}, {"Update": run_update}],
        )

    def get_task(self, triggered_id: str) -> TaskRecord | None:
        item = self._db.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"TASK#{triggered_id}"}, "sk": {"S": "TASK"}},
            ConsistentRead=True,
        ).get("Item")
        return _task_from_item(item) if item else None

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
                Key={"pk": {"S": f"TASK#{triggered_id}"}, "sk": {"S": "TASK"}},
                UpdateExpression=expression,
                ConditionExpression=(
                    "isOpen = :true AND taskName = :name AND NOT contains(seen, :keyValue)"
                ),
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return None
        return _task_from_item(response["Attributes"])

    def close_task(
        self,
        triggered_id: str,
        started: int,
        finished: int,
        completed: tuple[str, CompletedTask] | None = None,
        effects: list[Effect] | None = None,
        stamp: str = "",
    ) -> bool:
        clauses, names, values = outbox_set(effects or [], stamp)
        close = {
            "TableName": self._table,
            "Key": self._task_key(triggered_id),
            "UpdateExpression": "SET "
            + ", ".join(["isOpen = :false", *clauses])
            + " REMOVE openKey",
            "ConditionExpression": "isOpen = :true AND started = :s AND finished = :f",
            **_names(names),
            "ExpressionAttributeValues": {
                ":false": {"BOOL": False},
                ":true": {"BOOL": True},
                ":s": {"N": str(started)},
                ":f": {"N": str(finished)},
                **values,
            },
        }
        if completed is None:
            return succeeded(self._db, self._db.update_item, **close)
        run_id, task = completed
        return succeeded(
            self._db,
            self._db.transact_write_items,
            TransactItems=[
                {"Update": close},
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}},
                        "UpdateExpression": "SET completed = list_append(completed, :task)",
                        "ExpressionAttributeValues": {
                            ":task": {"L": [{"S": task.model_dump_json()}]}
                        },
                    }
                },
            ],
        )

    def abandon_task(
        self, triggered_id: str, effects: list[Effect] | None = None, stamp: str = ""
    ) -> bool:
        clauses, names, values = outbox_set(effects or [], stamp)
        return succeeded(
            self._db,
            self._db.update_item,
            TableName=self._table,
            Key=self._task_key(triggered_id),
            UpdateExpression="SET " + ", ".join(["isOpen = :false", *clauses]) + " REMOVE openKey",
            ConditionExpression="isOpen = :true",
            **_names(names),
            ExpressionAttributeValues={
                ":false": {"BOOL": False},
                ":true": {"BOOL": True},
                **values,
            },
        )

    def open_tasks(self, project: str, event_type: str) -> list[TaskRecord]:
        items = self._query_index(
            "open-tasks", "openKey", f"{project}{SEP}{event_type}", forward=True, limit=None
        )
        return [_task_from_item(item) for item in items]


def current_update(current: CurrentTask, state: RunState) -> dict[str, Any]:
    return {
        "expression": "SET #current = :current, #state = :state",
        "names": {"#current": "current", "#state": "state"},
        "values": {":current": {"S": current.model_dump_json()}, ":state": {"S": state.value}},
    }


def _task_from_item(item: dict[str, Any]) -> TaskRecord:
    record = json.loads(item["record"]["S"])
    return TaskRecord.model_validate(
        {
            **record,
            "token": item["token"]["S"],
            "started": int(item["started"]["N"]),
            "finished": int(item["finished"]["N"]),
            "finished_data": [
                json.loads(e["S"]) for e in item.get("finishedData", {}).get("L", [])
            ],
            "open": item["isOpen"]["BOOL"],
            "held": item.get("held", {}).get("BOOL", False),
            "decision": json.loads(item["decision"]["S"]) if "decision" in item else None,
            "seen": [entry["S"] for entry in item.get("seen", {}).get("L", [])],
            "outbox": outbox_of(item),
        }
    )


def _names(names: dict[str, str]) -> dict[str, Any]:
    """ExpressionAttributeNames, left out when empty (DynamoDB refuses an empty map)."""
    return {"ExpressionAttributeNames": names} if names else {}
