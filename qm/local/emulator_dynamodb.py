"""DynamoDB in the local runtime's emulator (qm/local/emulator.py), made safe for concurrent
requests: each request runs under its tables' locks, and a cancelled transaction restores only
the items it wrote (moto 5.2.5 restores whole tables, undoing other requests' writes).
"""

from __future__ import annotations

import copy
import functools
import threading
from typing import Any

_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_MADE = threading.Lock()
_ANY_TABLE = ""  # requests that name no table (list, describe all): one lock of their own


def _lock(table: str) -> threading.RLock:
    with _LOCKS_MADE:
        return _LOCKS.setdefault(table, threading.RLock())


def tables_of(action: str | None, params: dict[str, Any]) -> list[str]:
    """The tables a DynamoDB request touches, sorted (locks are taken in that order)."""
    if "TableName" in params:
        return [str(params["TableName"])]
    if action in ("TransactWriteItems", "TransactGetItems"):
        return sorted(
            {
                str(op["TableName"])
                for entry in params.get("TransactItems", [])
                for op in entry.values()
                if isinstance(op, dict) and "TableName" in op
            }
        )
    if "RequestItems" in params:
        return sorted(str(name) for name in params["RequestItems"])
    return [_ANY_TABLE]


def _serialized(call_action: Any) -> Any:
    """One request at a time per table: DynamoDB serializes the writes to an item and isolates
    a transaction; requests to other tables (the events the recorder stores, the runs the
    sequencing handlers write) go on meanwhile."""

    @functools.wraps(call_action)
    def locked(self: Any) -> Any:
        params = getattr(self, "params", {}) or {}
        action = self._get_action() if hasattr(self, "_get_action") else None
        locks = [_lock(table) for table in tables_of(action, params)]
        for lock in locks:
            lock.acquire()
        try:
            return call_action(self)
        finally:
            for lock in reversed(locks):
                lock.release()

    return locked


def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's TransactWriteItems (moto/dynamodb/models/__init__.py) with the rollback of a
    cancelled transaction restoring the items it wrote, not whole tables."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    backups: list[tuple[Any, Any, Any, Any]] = []  # (table, hash, range, item before or None)

    def restore() -> None:
        for table, hash_key, range_key, before in reversed(backups):
            if range_key is not None:
                if before is None:
                    table.items[hash_key].pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = before
            elif before is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = before

    targets: set[tuple[str, str]] = set()
    errors: list[tuple[Any, Any, Any]] = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        original_item: dict[str, Any] | None = None
        try:
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            table = backend.get_table(table_name)
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            target = (str(table_name), str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            current = backend.get_item(table_name, key)
            if condition is not None and not get_filter_expression(condition, names, values).expr(
                current
            ):
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    original_item = current.to_json()["Attributes"]
                raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                hash_key, range_key = backend.get_keys_value(table, key)
                backups.append((table, hash_key, range_key, copy.deepcopy(current)))
            if op_type == "Put":
                backend.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                backend.delete_item(
                    table_name,
                    key,
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                backend.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            restore()
            raise
        except ConditionalCheckFailed as error:
            errors.append(("ConditionalCheckFailed", str(error.message), original_item))
        except Exception as error:  # as moto: reported as the item's cancellation reason
            errors.append((type(error).__name__, str(error), original_item))
    if any(code is not None for code, _, _ in errors):
        restore()
        raise TransactionCanceledException(errors)


def patch_moto() -> None:
    """Serialize DynamoDB requests and replace the transaction's rollback (see above)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    if not hasattr(DynamoDBBackend, "get_keys_value"):
        raise RuntimeError("this moto version is not the one qm/local/emulator.py was made for")
    DynamoHandler.call_action = _serialized(DynamoHandler.call_action)  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]
