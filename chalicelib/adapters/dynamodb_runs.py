"""RunStore on DynamoDB: runs, the queue and lock of each scope, and dispatched tasks.

| pk                    | sk                    | item                                          |
|-----------------------|-----------------------|-----------------------------------------------|
| RUN#<run id>          | RUN                   | a run (indexed by context and by project)     |
| SCOPE#<p>^<s>^<svc>   | LOCK, Q#...           | its lock and queue (dynamodb_scope_queues.py) |
| TASK#<triggered id>   | TASK                  | token, answer counts, merged answers          |
| PAUSE#<context>       | <stage> or *          | runs of the context start paused              |

A sparse index, `open-tasks` (openKey = project^event type), lists open tasks for pollers.
Counting an answer is one conditional update that also records the event's key, so a
redelivered event counts once. Each decision's effects wait in the item's `outbox` map until
they are carried out (chalicelib/adapters/dynamodb_writes.py).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.dynamodb_run_tasks import DynamoDbTaskStore
from chalicelib.adapters.dynamodb_scope_queues import DynamoDbScopeQueues
from chalicelib.adapters.dynamodb_writes import (
    clear_outbox,
    outbox_item,
    outbox_of,
    outbox_set,
    succeeded,
)
from chalicelib.domain.effects import Effect
from chalicelib.domain.events import canonical_time
from chalicelib.domain.runs import (
    FINAL_STATES,
    Run,
    RunState,
)
from chalicelib.errors import InvalidInput

_FINAL = [state.value for state in FINAL_STATES]
ALL_STAGES = "*"


class DynamoDbRunStore(DynamoDbTaskStore, DynamoDbScopeQueues):
    # -- runs --------------------------------------------------------------------------------

    def create_run(self, run: Run) -> bool:
        """The run and its place in its scope's queue, in one write."""
        fixed = run.model_dump(
            mode="json",
            exclude={
                "state",
                "completed",
                "current",
                "execution_arn",
                "result",
                "status",
                "paused",
                "outbox",
            },
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
            "paused": {"BOOL": run.paused},
            "outbox": outbox_item([], ""),
        }
        place = {
            "pk": {"S": f"SCOPE#{run.scope.key}"},
            "sk": {"S": f"Q#{queue_time(run.created)}#{run.id}"},
            "run": {"S": run.id},
        }
        return succeeded(
            self._db,
            self._db.transact_write_items,
            TransactItems=[
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": self._table, "Item": place}},
            ],
        )

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

    def end_run(
        self,
        run_id: str,
        state: RunState,
        result: str,
        status: str,
        effects: list[Effect],
        stamp: str,
    ) -> bool:
        clauses, names, values = outbox_set(effects, stamp)
        return self._update_open_run(
            run_id,
            "SET "
            + ", ".join(["#state = :state", "#result = :result", "#status = :status", *clauses]),
            {"#state": "state", "#result": "result", "#status": "status", **names},
            {
                ":state": {"S": state.value},
                ":result": {"S": result},
                ":status": {"S": status},
                **values,
            },
        )

    def clear_run_effects(self, run_id: str, names: list[str]) -> None:
        clear_outbox(
            self._db, self._table, {"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}}, names
        )

    def mark_started(self, run_id: str, execution_arn: str) -> bool:
        return self._update_open_run(
            run_id,
            "SET execution_arn = :arn, #state = :state",
            {"#state": "state"},
            {":arn": {"S": execution_arn}, ":state": {"S": RunState.STARTED.value}},
        )

    def _update_open_run(
        self,
        run_id: str,
        expression: str,
        names: dict[str, str],
        values: dict[str, Any],
        also: str | None = None,
    ) -> bool:
        update = self._open_run_update(run_id, expression, names, values)
        if also:
            update["ConditionExpression"] += f" AND {also}"
            update["ExpressionAttributeValues"][":true"] = {"BOOL": True}
        return succeeded(self._db, self._db.update_item, **update)

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

    def set_paused(self, run_id: str, paused: bool) -> bool:
        return self._update_open_run(
            run_id,
            "SET paused = :paused",
            {},
            {":paused": {"BOOL": paused}},
            also=f"{'NOT ' if paused else ''}(attribute_exists(paused) AND paused = :true)",
        )

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


def _run_from_item(item: dict[str, Any]) -> Run:
    record = json.loads(item["record"]["S"])
    record["state"] = item["state"]["S"]
    record["completed"] = [
        json.loads(entry["S"]) for entry in item.get("completed", {}).get("L", [])
    ]
    record["paused"] = item.get("paused", {}).get("BOOL", False)
    if "current" in item:
        record["current"] = json.loads(item["current"]["S"])
    for attribute in ("execution_arn", "result", "status"):
        if attribute in item:
            record[attribute] = item[attribute]["S"]
    record["outbox"] = outbox_of(item)
    return Run.model_validate(record)


def queue_time(created: str) -> str:
    """Trigger times in one format (UTC, milliseconds), so the queue sorts in trigger order
    whatever offset or precision a tool wrote."""
    try:
        return canonical_time(created)
    except InvalidInput:
        return created
