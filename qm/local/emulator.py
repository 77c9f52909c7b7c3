"""The AWS emulator process of the local runtime: moto in server mode, DynamoDB made safe for
concurrent requests.

The server answers each request in a thread of its own, and moto's DynamoDB takes no lock.
Its TransactWriteItems deep-copies every table it touches before writing and, when any
condition fails, puts that copy back: every write other requests made to the table meanwhile
is undone, although each of them was answered as done. Our sequencing fails conditions as a
matter of course (claiming a scope another run holds), so under load runs lost their queue
place or their lock, tasks their outbox, and runs were never stored at all; the copy of the
whole table per transaction also cost CPU in proportion to the table. DynamoDB itself
serializes writes to an item and isolates a transaction from other writes. Here every
DynamoDB request runs under one lock (moto answers each from memory, under the interpreter
lock anyway), and a transaction keeps a copy of only the items it writes.

moto answers every query by sorting the whole table first (then keeping the items of one
partition, or of one index key, and sorting those again): a query of one partition reads only
that partition here, and an index query skips the first sort. As the runs and events tables
grow, that was what made each request slower than the one before.

Four costs moto pays per request, which under load made requests queue behind one another,
are paid once instead: finding the backend for a host (a directory listing of moto's package
and a few hundred patterns, under the server's one lock, for every request), a JSONPath
parser generated anew (PLY's tables) for every path a state machine evaluates, a boto3 client
made anew for each SQS call a state machine makes, and a log line per request.

These replace parts of moto 5.2.5 (the version requirements-dev.txt pins); tests/unit/cli/
test_local_emulator.py fails on plain moto. Run as `python -m qm.local.emulator -H 127.0.0.1
-p PORT` (moto.server's own arguments).
"""

from __future__ import annotations

import copy
import functools
import logging
import sys
import threading
from typing import Any

_LOCK = threading.RLock()


def _serialized(call_action: Any) -> Any:
    @functools.wraps(call_action)
    def locked(self: Any) -> Any:
        with _LOCK:
            return call_action(self)

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


def query_partitions() -> None:
    """Table.query over only the items it can return, without sorting the table first."""
    import inspect

    from moto.dynamodb.models.table import Table

    query = Table.query
    signature = inspect.signature(query)

    def partition(table: Any, hash_key: Any) -> list[Any]:
        if table.range_key_attr is None:
            item = table.items.get(hash_key)
            return [] if item is None else [item]
        return list(table.items.get(hash_key, {}).values())

    def unsorted(table: Any) -> list[Any]:
        if table.range_key_attr is None:
            return list(table.items.values())
        return [item for items in table.items.values() for item in items.values()]

    def partition_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        hash_key = arguments.get("hash_key")
        if arguments.get("index_name"):
            # sorted again by the index's keys (and the table's, so the order is total)
            self.all_items = lambda: unsorted(self)
        elif hash_key is not None:
            self.all_items = lambda: partition(self, hash_key)  # sorted by range key after
        try:
            return query(self, *args, **kwargs)
        finally:
            self.__dict__.pop("all_items", None)  # safe: DynamoDB requests run one at a time

    Table.query = partition_query  # type: ignore[method-assign]


def cache_dispatch() -> None:
    """Remember which backend serves a host, and the clients state machines send with."""
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sqs,
    )

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # the package's folders do not change
    find = DomainDispatcherApplication.get_backend_for_host
    found: dict[str | None, Any] = {}

    def backend_for_host(self: Any, host: str | None) -> Any:
        if host not in found:
            found[host] = find(self, host)
        return found[host]

    DomainDispatcherApplication.get_backend_for_host = backend_for_host  # type: ignore[method-assign]
    sqs_tasks: Any = state_task_service_sqs  # moto does not re-export the name
    make_client = sqs_tasks.boto_client_for
    clients: dict[tuple[str, str], Any] = {}
    made = threading.Lock()

    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        with made:  # boto3's default session is not safe to make clients from in parallel
            if (region, service) not in clients:
                clients[(region, service)] = make_client(region, service, state_credentials)
            return clients[(region, service)]

    sqs_tasks.boto_client_for = client_for


def cache_json_paths() -> None:
    """Parse each JSONPath once: jsonpath-ng builds a parser, tables and all, per `parse`."""
    import importlib

    # Untyped modules (jsonpath-ng exports `parse` without declaring it): held as Any.
    plain_modules: list[Any] = [
        importlib.import_module("jsonpath_ng"),
        importlib.import_module("moto.stepfunctions.parser.asl.component.common.path.result_path"),
    ]
    extended_modules: list[Any] = [
        importlib.import_module("jsonpath_ng.ext"),
        importlib.import_module("moto.stepfunctions.parser.asl.utils.json_path"),
    ]
    plain = functools.lru_cache(maxsize=1024)(plain_modules[0].parse)
    extended = functools.lru_cache(maxsize=1024)(extended_modules[0].parse)
    for module in plain_modules:
        module.parse = plain
    for module in extended_modules:
        module.parse = extended


def main(argv: list[str] | None = None) -> None:
    from moto import server

    from qm.local import moto_parameters

    patch_moto()
    moto_parameters.repair()  # state machines can call ECS (container tasks)
    query_partitions()
    cache_dispatch()
    cache_json_paths()
    # One line per request: the log's lock and writes cost more than many requests do.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
