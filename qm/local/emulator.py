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
DynamoDB request runs under its tables' locks (moto answers each from memory, under the
interpreter lock anyway), and a transaction keeps a copy of only the items it writes
(qm/local/emulator_dynamodb.py).

moto answers every query by sorting the whole table first (then keeping the items of one
partition, or of one index key, and sorting those again): a query of one partition reads only
that partition here, and an index query skips the first sort. As the runs and events tables
grow, that was what made each request slower than the one before.

Three costs moto pays per request, which under load made requests queue behind one another,
are paid once instead: finding the backend for a host (a directory listing of moto's package
and a few hundred patterns, under the server's one lock, for every request), a JSONPath
parser generated anew (PLY's tables) for every path a state machine evaluates, and a boto3
client made anew for each SQS call a state machine makes. moto's application is served by
cheroot instead of werkzeug's development server, which closes every connection after one
request (a TCP connect and a new thread per call) and logs a line per request.

These replace parts of moto 5.2.5 (the version requirements-dev.txt pins); tests/unit/cli/
test_local_emulator.py fails on plain moto. Run as `python -m qm.local.emulator -H 127.0.0.1
-p PORT`.
"""

from __future__ import annotations

import functools
import sys
import threading
from typing import Any

from qm.local.emulator_dynamodb import patch_moto


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


def serve(host: str, port: int) -> None:
    """moto's application under cheroot: HTTP/1.1 with connections kept between requests
    (werkzeug's development server, which moto.server runs, closes every connection after one
    request, so each call paid a TCP connect and a new server thread: about a third of an
    uncontended call)."""
    from cheroot import wsgi
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    # A request holds a thread while it runs, long polls (every queue poller, every tool)
    # included: room for all of them. Idle connections wait without a thread.
    server = wsgi.Server((host, port), app, numthreads=64, request_queue_size=128, timeout=60)
    server.keep_alive_conn_limit = 512  # every client's pool of connections stays open
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    import argparse

    from qm.local import moto_parameters, moto_timeouts

    patch_moto()
    moto_parameters.repair()  # state machines can call ECS (container tasks)
    moto_timeouts.repair()  # a task's answer deadline is its heartbeat, not moto's 60 s
    query_partitions()
    cache_dispatch()
    cache_json_paths()
    parser = argparse.ArgumentParser(description="moto on 127.0.0.1 for the local runtime")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    arguments = parser.parse_args(argv if argv is not None else sys.argv[1:])
    serve(arguments.host, arguments.port)


if __name__ == "__main__":
    main()
