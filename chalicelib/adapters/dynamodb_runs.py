"""RunStore on DynamoDB: runs, the queue and lock of each scope, and dispatched tasks.

| pk                    | sk                    | item                                          |
|-----------------------|-----------------------|-----------------------------------------------|
| RUN#<run id>          | RUN                   | a run (indexed by context and by project)     |
| SCOPE#<p>^<s>^<svc>   | LOCK                  | which run holds the scope                     |
| SCOPE#<p>^<s>^<svc>   | Q#<created>#<run id>  | a run waiting for the scope, in trigger order |
| TASK#<triggered id>   | TASK                  | token, answer counts, merged answers          |

Sparse indexes: `open-tasks` (openKey = project^event type) lists open tasks for pollers;
`unanswered` (shard, deadline) finds tasks whose first answer is overdue. Counting an answer is
one conditional update that also records the event's key, so a redelivered event counts once.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.runs import (
    FINAL_STATES,
    CompletedTask,
    CurrentTask,
    Run,
    RunState,
    Scope,
    TaskRecord,
)

SEP = "\x1f"
UNANSWERED_SHARD = "unanswered"
_FINAL = [state.value for state in FINAL_STATES]


class DynamoDbRunStore:
    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    @property
    def _db(self) -> Any:
        return self._clients.dynamodb

    # -- runs --------------------------------------------------------------------------------

    def create_run(self, run: Run) -> bool:
        fixed = run.model_dump(
            mode="json",
            exclude={"state", "completed", "current", "execution_arn", "result", "status"},
        )
        item = {
            "pk": {"S": f"RUN#{run.id}"},
            "sk": {"S": "RUN"},
            "record": {"S": json.dumps(fixed)},
            "state": {"S": run.state.value},
            "completed": {"L": []},
            "ctx": {"S": run.keptn_context},
            "project": {"S": run.scope.project},
            "created": {"S": f"{run.created}#{run.id}"},
        }
        try:
            self._db.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get_run(self, run_id: str) -> Run | None:
        item = self._db.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}},
            ConsistentRead=True,
        ).get("Item")
        return _run_from_item(item) if item else None

    def runs_of_context(self, keptn_context: str) -> list[Run]:
        items = self._query_index("by-context", "ctx", keptn_context, forward=True, limit=None)
        return [_run_from_item(item) for item in items]

    def runs_of_project(self, project: str, limit: int) -> list[Run]:
        items = self._query_index("by-project", "project", project, forward=False, limit=limit)
        return [_run_from_item(item) for item in items]

    def set_state(
        self, run_id: str, state: RunState, result: str | None = None, status: str | None = None
    ) -> bool:
        names = {"#state": "state"}
        values: dict[str, Any] = {":state": {"S": state.value}}
        assignments = ["#state = :state"]
        for attribute, value in (("result", result), ("status", status)):
            if value is not None:
                names[f"#{attribute}"] = attribute
                values[f":{attribute}"] = {"S": value}
                assignments.append(f"#{attribute} = :{attribute}")
        return self._update_open_run(run_id, "SET " + ", ".join(assignments), names, values)

    def mark_started(self, run_id: str, execution_arn: str) -> bool:
        return self._update_open_run(
            run_id,
            "SET execution_arn = :arn, #state = :state",
            {"#state": "state"},
            {":arn": {"S": execution_arn}, ":state": {"S": RunState.STARTED.value}},
        )

    def set_current(self, run_id: str, current: CurrentTask, state: RunState) -> bool:
        return self._update_open_run(run_id, **_current_update(current, state))

    def _update_open_run(
        self, run_id: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> bool:
        try:
            self._db.update_item(**self._open_run_update(run_id, expression, names, values))
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _open_run_update(
        self, run_id: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> dict[str, Any]:
        """An update of a run that has not ended (final states never change)."""
        finals = {f":final{i}": {"S": state} for i, state in enumerate(_FINAL)}
        return {
            "TableName": self._table,
            "Key": {"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}},
            "UpdateExpression": expression,
            "ConditionExpression": f"attribute_exists(pk) AND NOT #s IN ({', '.join(finals)})",
            "ExpressionAttributeNames": {**names, "#s": "state"},
            "ExpressionAttributeValues": {**values, **finals},
        }

    # -- queue and lock ------------------------------------------------------------------------

    def enqueue(self, run: Run) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"SCOPE#{run.scope.key}"},
                "sk": {"S": f"Q#{run.created}#{run.id}"},
                "run": {"S": run.id},
            },
        )

    def claim_next(self, scope: Scope) -> str | None:
        pk = {"S": f"SCOPE#{scope.key}"}
        waiting = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :q)",
            ExpressionAttributeValues={":pk": pk, ":q": {"S": "Q#"}},
            ConsistentRead=True,
            Limit=1,
        ).get("Items", [])
        if not waiting:
            return None
        run_id: str = waiting[0]["run"]["S"]
        try:
            # Taking the lock and leaving the queue is one step: no run is started twice.
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {"pk": pk, "sk": {"S": "LOCK"}, "run": {"S": run_id}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": {"pk": pk, "sk": waiting[0]["sk"]},
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                ]
            )
        except self._db.exceptions.TransactionCanceledException:
            return None
        return run_id

    def release(self, scope: Scope, run_id: str) -> None:
        pk = {"S": f"SCOPE#{scope.key}"}
        try:
            self._db.delete_item(
                TableName=self._table,
                Key={"pk": pk, "sk": {"S": "LOCK"}},
                ConditionExpression="#run = :run",
                ExpressionAttributeNames={"#run": "run"},
                ExpressionAttributeValues={":run": {"S": run_id}},
            )
            return  # the holder left the queue when it took the lock
        except self._db.exceptions.ConditionalCheckFailedException:
            pass  # not the holder: it may still wait in the queue (aborted while queued)
        queued = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :q)",
            FilterExpression="#run = :run",
            ExpressionAttributeNames={"#run": "run"},
            ExpressionAttributeValues={":pk": pk, ":q": {"S": "Q#"}, ":run": {"S": run_id}},
            ConsistentRead=True,
        ).get("Items", [])
        for item in queued:
            self._db.delete_item(TableName=self._table, Key={"pk": pk, "sk": item["sk"]})

    # -- tasks ---------------------------------------------------------------------------------

    def create_task(
        self,
        task: TaskRecord,
        project: str,
        answer_deadline: str,
        current: tuple[CurrentTask, RunState] | None = None,
    ) -> bool:
        item = {
            "pk": {"S": f"TASK#{task.triggered_id}"},
            "sk": {"S": "TASK"},
            "record": {
                "S": task.model_dump_json(
                    include={"triggered_id", "run_id", "index", "name", "event_type", "dispatched"}
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
            "awaitShard": {"S": UNANSWERED_SHARD},
            "deadline": {"S": f"{answer_deadline}#{task.triggered_id}"},
        }
        put = {
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        try:
            if current is None:
                self._db.put_item(**put)
                return True
            run_update = self._open_run_update(task.run_id, **_current_update(*current))
            self._db.transact_write_items(TransactItems=[{"Put": put}, {"Update": run_update}])
        except (
            self._db.exceptions.ConditionalCheckFailedException,
            self._db.exceptions.TransactionCanceledException,
        ):
            return False
        return True

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
        expression = f"ADD {counter} :one SET seen = list_append(seen, :key) REMOVE awaitShard"
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
    ) -> bool:
        close = {
            "TableName": self._table,
            "Key": {"pk": {"S": f"TASK#{triggered_id}"}, "sk": {"S": "TASK"}},
            "UpdateExpression": "SET isOpen = :false REMOVE openKey, awaitShard",
            "ConditionExpression": "isOpen = :true AND started = :s AND finished = :f",
            "ExpressionAttributeValues": {
                ":false": {"BOOL": False},
                ":true": {"BOOL": True},
                ":s": {"N": str(started)},
                ":f": {"N": str(finished)},
            },
        }
        try:
            if completed is None:
                self._db.update_item(**close)
                return True
            run_id, task = completed
            self._db.transact_write_items(
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
                ]
            )
        except (
            self._db.exceptions.ConditionalCheckFailedException,
            self._db.exceptions.TransactionCanceledException,
        ):
            return False
        return True

    def abandon_task(self, triggered_id: str) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"TASK#{triggered_id}"}, "sk": {"S": "TASK"}},
                UpdateExpression="SET isOpen = :false REMOVE openKey, awaitShard",
                ConditionExpression="isOpen = :true",
                ExpressionAttributeValues={":false": {"BOOL": False}, ":true": {"BOOL": True}},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def open_tasks(self, project: str, event_type: str) -> list[TaskRecord]:
        items = self._query_index(
            "open-tasks", "openKey", f"{project}{SEP}{event_type}", forward=True, limit=None
        )
        return [_task_from_item(item) for item in items]

    def unanswered_before(self, deadline: str) -> list[TaskRecord]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "unanswered",
            "KeyConditionExpression": "awaitShard = :shard AND deadline < :deadline",
            "ExpressionAttributeValues": {
                ":shard": {"S": UNANSWERED_SHARD},
                ":deadline": {"S": deadline},
            },
        }
        while True:
            response = self._db.query(**request)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        # The index is eventually consistent: re-read each task before acting on it.
        fresh = (self.get_task(item["pk"]["S"].removeprefix("TASK#")) for item in items)
        return [
            task
            for task in fresh
            if task is not None and task.open and task.started == 0 and task.finished == 0
        ]

    def _query_index(
        self, index: str, attribute: str, value: str, forward: bool, limit: int | None
    ) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#h = :h",
            "ExpressionAttributeNames": {"#h": attribute},
            "ExpressionAttributeValues": {":h": {"S": value}},
            "ScanIndexForward": forward,
        }
        if limit is not None:
            request["Limit"] = limit
        items: list[dict[str, Any]] = []
        while True:
            response = self._db.query(**request)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response or (limit and len(items) >= limit):
                return items[:limit] if limit else items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _current_update(current: CurrentTask, state: RunState) -> dict[str, Any]:
    return {
        "expression": "SET #current = :current, #state = :state",
        "names": {"#current": "current", "#state": "state"},
        "values": {":current": {"S": current.model_dump_json()}, ":state": {"S": state.value}},
    }


def _run_from_item(item: dict[str, Any]) -> Run:
    record = json.loads(item["record"]["S"])
    record["state"] = item["state"]["S"]
    record["completed"] = [
        json.loads(entry["S"]) for entry in item.get("completed", {}).get("L", [])
    ]
    if "current" in item:
        record["current"] = json.loads(item["current"]["S"])
    for attribute in ("execution_arn", "result", "status"):
        if attribute in item:
            record[attribute] = item[attribute]["S"]
    return Run.model_validate(record)


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
        }
    )
