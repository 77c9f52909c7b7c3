"""ScopeQueues on DynamoDB: one run at a time per (project, stage, service).

| pk                    | sk                    | item                                          |
|-----------------------|-----------------------|-----------------------------------------------|
| SCOPE#<p>^<s>^<svc>   | LOCK                  | which run holds the scope                     |
| SCOPE#<p>^<s>^<svc>   | Q#<created>#<run id>  | a run waiting for the scope, in trigger order |

A run's queue place is written with the run (DynamoDbRunStore.create_run); taking the lock
and leaving the queue are one transaction.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.adapters.dynamodb_writes import (
    ConditionFailed,
    TransactionConflict,
    conditional,
    succeeded,
)
from chalicelib.domain.runs import Scope

CLAIM_ATTEMPTS = 3


class DynamoDbScopeQueues:
    """The queue half of the runs table; DynamoDbRunStore puts it together with the rest."""

    _table: str

    @property
    def _db(self) -> Any:
        raise NotImplementedError

    def lock_holder(self, scope: Scope) -> str | None:
        item = self._db.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"SCOPE#{scope.key}"}, "sk": {"S": "LOCK"}},
            ConsistentRead=True,
        ).get("Item")
        return item["run"]["S"] if item else None

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
        claim = [
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
        for attempt in range(CLAIM_ATTEMPTS):
            try:
                # Taking the lock and leaving the queue is one step: no run is started twice.
                with conditional(self._db):
                    self._db.transact_write_items(TransactItems=claim)
            except ConditionFailed:
                return None  # held by another run, or another caller took this one
            except TransactionConflict:
                # A release or another claim on the same items at this moment: a moment later
                # one of them has gone through. Only the last attempt's conflict is raised
                # (the delivery is then retried), so a wake-up is never lost to it.
                if attempt + 1 == CLAIM_ATTEMPTS:
                    raise
                time.sleep(0.02 * (attempt + 1))
                continue
            return run_id
        return None  # not reached: the loop returns or raises

    def release(self, scope: Scope, run_id: str) -> None:
        pk = {"S": f"SCOPE#{scope.key}"}
        freed = succeeded(
            self._db,
            self._db.delete_item,
            TableName=self._table,
            Key={"pk": pk, "sk": {"S": "LOCK"}},
            ConditionExpression="#run = :run",
            ExpressionAttributeNames={"#run": "run"},
            ExpressionAttributeValues={":run": {"S": run_id}},
        )
        if freed:
            return  # the holder left the queue when it took the lock
        # Not the holder: it may still wait in the queue (aborted while queued).
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
