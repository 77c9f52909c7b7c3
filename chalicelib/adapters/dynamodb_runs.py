"""RunStore on DynamoDB: runs, the queue and lock of each scope, and dispatched tasks.

| pk                    | sk                    | item                                          |
|-----------------------|-----------------------|-----------------------------------------------|
| RUN#<run id>          | RUN                   | a run (indexed by context and by project)     |
| SCOPE#<p>^<s>^<svc>   | LOCK, Q#...           | its lock and queue (dynamodb_scope_queues.py) |
| TASK#<triggered id>   | TASK                  | token, answer counts, merged answers          |
| PAUSE#<context>       | <stage> or *          | runs of the context start paused              |
| CTX#<context>         | RUN#<run id>          | the context's runs, read consistently          |

A sparse index, `open-tasks` (openKey = project^event type), lists open tasks for pollers.
Counting an answer is one conditional update that also records the event's key, so a
redelivered event counts once. Each decision's effects wait in the item's `outbox` map until
they are carried out (chalicelib/adapters/dynamodb_writes.py).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.dynamodb_pause_flags import DynamoDbPauseFlags
from chalicelib.adapters.dynamodb_run_tasks import DynamoDbTaskStore
from chalicelib.adapters.dynamodb_scope_queues import DynamoDbScopeQueues
from chalicelib.adapters.dynamodb_task_answers import task_from_item
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
    CompletedTask,
    Run,
    RunState,
    TaskRecord,
)
from chalicelib.errors import DependencyFailure, InvalidInput

_FINAL = [state.value for state in FINAL_STATES]


class DynamoDbRunStore(DynamoDbTaskStore, DynamoDbScopeQueues, DynamoDbPauseFlags):
    # -- runs --------------------------------------------------------------------------------

    def create_run(self, run: Run, paused_by: str | None = None) -> bool:
        """The run, its place in its scope's queue and in its context's list, in one write,
        while the context's pause flags are as read (a pause or resume of the context that
        lists its runs just after cannot miss this one)."""
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
        # The context's list of runs (its index is only eventually consistent).
        member = {"pk": {"S": f"CTX#{run.keptn_context}"}, "sk": {"S": f"RUN#{run.id}"}}
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
                {"Put": {"TableName": self._table, "Item": member}},
                *self.flags_as_read(run.keptn_context, run.scope.stage, run.paused, paused_by),
            ],
        )

    def get_run(self, run_id: str) -> Run | None:
        item = self._db.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}},
            ConsistentRead=True,
        ).get("Item")
        return _run_from_item(item) if item else None

    def get_run_with_task(
        self, run_id: str, triggered_id: str | None
    ) -> tuple[Run | None, TaskRecord | None]:
        if triggered_id is None:
            return self.get_run(run_id), None
        items = self._get_consistently(
            [{"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}}, self._task_key(triggered_id)]
        )
        found = {item["pk"]["S"]: item for item in items}
        run, task = found.get(f"RUN#{run_id}"), found.get(f"TASK#{triggered_id}")
        return (
            _run_from_item(run) if run else None,
            task_from_item(task) if task else None,
        )

    def _get_consistently(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """BatchGetItem with consistent reads, asking again for what it left unprocessed."""
        items: list[dict[str, Any]] = []
        request = {self._table: {"Keys": keys, "ConsistentRead": True}}
        for _ in range(10):
            response = self._db.batch_get_item(RequestItems=request)
            items.extend(response.get("Responses", {}).get(self._table, []))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return items
        raise DependencyFailure("DynamoDB left keys of a batch read unprocessed; retry")

    def runs_of_context(self, keptn_context: str, consistent: bool = False) -> list[Run]:
        items = self._query_index("by-context", "ctx", keptn_context, forward=True, limit=None)
        if not consistent:
            return [_run_from_item(item) for item in items]
        # The index lags behind writes: the context's own list (older runs have only the
        # index), each run then read as it is now.
        members = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"CTX#{keptn_context}"}},
            ConsistentRead=True,
        ).get("Items", [])
        ids = {item["pk"]["S"].removeprefix("RUN#") for item in items}
        ids |= {member["sk"]["S"].removeprefix("RUN#") for member in members}
        runs: list[Run] = []
        ordered = sorted(ids)
        for start in range(0, len(ordered), 100):  # BatchGetItem's limit
            keys = [
                {"pk": {"S": f"RUN#{i}"}, "sk": {"S": "RUN"}} for i in ordered[start : start + 100]
            ]
            runs.extend(_run_from_item(item) for item in self._get_consistently(keys))
        return sorted(runs, key=lambda run: (run.created, run.id))

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
        completed_tail: CompletedTask | None = None,
        unanswered: str | None = None,
    ) -> bool:
        clauses, names, values = outbox_set(effects, stamp)
        if completed_tail is not None:
            clauses.append("completed = list_append(completed, :tail)")
            values[":tail"] = {"L": [{"S": completed_tail.model_dump_json()}]}
        update = self._open_run_update(
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
        if unanswered is None:
            return succeeded(self._db, self._db.update_item, **update)
        # A deadline's end: only while the task still has no answer (one counted since the
        # deadline's read keeps the run going, as Keptn's watcher would see it).
        still_unanswered = {
            "TableName": self._table,
            "Key": self._task_key(unanswered),
            "ConditionExpression": (
                "isOpen = :true AND started = :zero AND finished = :zero AND held = :false"
            ),
            "ExpressionAttributeValues": {
                ":true": {"BOOL": True},
                ":false": {"BOOL": False},
                ":zero": {"N": "0"},
            },
        }
        return succeeded(
            self._db,
            self._db.transact_write_items,
            TransactItems=[{"Update": update}, {"ConditionCheck": still_unanswered}],
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
