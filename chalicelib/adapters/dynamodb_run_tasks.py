"""Dispatched tasks in the runs table: the private tokens, closing, held tasks, decisions.

A task dispatched while its run is paused is held (stored, not sent, no answer deadline) until
the run is resumed. Answers and later tokens: dynamodb_task_answers.py.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.adapters.dynamodb_task_answers import DynamoDbTaskAnswers, task_from_item
from chalicelib.adapters.dynamodb_writes import (
    clear_outbox,
    outbox_item,
    outbox_set,
    succeeded,
)
from chalicelib.domain.effects import Effect
from chalicelib.domain.runs import CompletedTask, CurrentTask, RunState, TaskRecord

SEP = "\x1f"


class DynamoDbTaskStore(DynamoDbTaskAnswers):
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
                + ", ".join(
                    ["held = :false", "released = :true", "deadline = :deadline", *clauses]
                ),
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
        return task_from_item(response["Attributes"])

    def create_task(
        self,
        task: TaskRecord,
        project: str,
        answer_deadline: str | None,
        current: tuple[CurrentTask, RunState],
        effects: list[Effect],
        stamp: str,
        paused: bool = False,
        completed_tail: CompletedTask | None = None,
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
        run_update = self._open_run_update(
            task.run_id, **current_update(*current, completed_tail=completed_tail)
        )
        # Only while the pause flag is as it was read: a resume between the read and this
        # write must not leave the task held (nor a pause leave it sent).
        run_update["ConditionExpression"] += (
            " AND paused = :paused"
            if paused
            else " AND NOT (attribute_exists(paused) AND paused = :paused)"
        )
        run_update["ExpressionAttributeValues"][":paused"] = {"BOOL": True}
        return succeeded(
            self._db,
            self._db.transact_write_items,
            TransactItems=[{"Put": put}, {"Update": run_update}],
        )

    def get_task(self, triggered_id: str) -> TaskRecord | None:
        item = self._db.get_item(
            TableName=self._table, Key=self._task_key(triggered_id), ConsistentRead=True
        ).get("Item")
        return task_from_item(item) if item else None

    def close_task(
        self,
        triggered_id: str,
        started: int,
        finished: int,
        completion: CompletedTask | None = None,
        outcome: dict[str, str] | None = None,
        later_tokens: int = 0,
        effects: list[Effect] | None = None,
        stamp: str = "",
    ) -> bool:
        clauses, names, values = outbox_set(effects or [], stamp)
        if completion is not None:
            clauses.append("completion = :completion")
            values[":completion"] = {"S": completion.model_dump_json()}
        if outcome is not None:
            clauses.append("outcome = :outcome")
            values[":outcome"] = {"S": json.dumps(outcome)}
        # The tokens as read: one added since (the execution waits on it now) must be resumed
        # too, so the close is decided again with it.
        tokens = "attribute_not_exists(laterTokens)"
        if later_tokens:
            tokens = "size(laterTokens) = :tokens"
            values[":tokens"] = {"N": str(later_tokens)}
        return succeeded(
            self._db,
            self._db.update_item,
            TableName=self._table,
            Key=self._task_key(triggered_id),
            UpdateExpression="SET " + ", ".join(["isOpen = :false", *clauses]) + " REMOVE openKey",
            ConditionExpression=f"isOpen = :true AND started = :s AND finished = :f AND {tokens}",
            **_names(names),
            ExpressionAttributeValues={
                ":false": {"BOOL": False},
                ":true": {"BOOL": True},
                ":s": {"N": str(started)},
                ":f": {"N": str(finished)},
                **values,
            },
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
        return [task_from_item(item) for item in items]


def current_update(
    current: CurrentTask, state: RunState, completed_tail: CompletedTask | None = None
) -> dict[str, Any]:
    """The run's update for a new current task; with `completed_tail`, the task before it
    joins the run's completed tasks (a close writes the task item only)."""
    expression = "SET #current = :current, #state = :state"
    values: dict[str, Any] = {
        ":current": {"S": current.model_dump_json()},
        ":state": {"S": state.value},
    }
    if completed_tail is not None:
        expression += ", completed = list_append(completed, :tail)"
        values[":tail"] = {"L": [{"S": completed_tail.model_dump_json()}]}
    return {
        "expression": expression,
        "names": {"#current": "current", "#state": "state"},
        "values": values,
    }


def _names(names: dict[str, str]) -> dict[str, Any]:
    """ExpressionAttributeNames, left out when empty (DynamoDB refuses an empty map)."""
    return {"ExpressionAttributeNames": names} if names else {}
