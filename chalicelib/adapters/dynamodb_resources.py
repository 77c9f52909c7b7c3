"""Versioned configuration files of the ConfigStore on DynamoDB: files, commits, the counter.

| pk            | sk                                  | item                                   |
|---------------|-------------------------------------|----------------------------------------|
| PROJECTS      | <project>                           | the project and its commit counter     |
| P#<project>   | RES#<scope>\\x1f<uri>\\x1f<commit>    | one version of a file (kept forever)   |
| P#<project>   | CUR#<scope>\\x1f<uri>                | the newest version of a file           |
| P#<project>   | COMMIT#<commit>                     | who changed what, when                 |

A commit id is the project's commit counter as 12 hex digits, so ids sort in commit order and
"the file as of commit C" is one Query: the newest RES item whose commit is <= C.
Each change is one transaction: a run pinned to a commit never sees half of a change.
A writer that edits a file (read, change, write) passes the version it read: the file's CUR
item must still hold it (a condition in the same transaction), or nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.events import format_time
from chalicelib.domain.projects import Commit, Resource, ResourceScope
from chalicelib.errors import InvalidInput, NotFound, PayloadTooLarge, ResourceChanged

SEP = "\x1f"
PROJECTS = "PROJECTS"
MAX_FILES_PER_COMMIT = 30  # each file is 2 items; a transaction holds at most 100
# A transaction holds at most 4 MB and each file's content is written twice (RES and CUR).
MAX_BYTES_PER_COMMIT = 1_800_000


def commit_id(counter: int) -> str:
    return f"{counter:012x}"


class DynamoDbResourceStore:
    """The resource half of the ConfigStore; DynamoDbConfigStore adds projects and services."""

    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    # -- resources ------------------------------------------------------------------------

    def put_resources(
        self,
        scope: ResourceScope,
        files: Sequence[tuple[str, bytes]],
        author: str,
        message: str,
        expected: Mapping[str, str | None] | None = None,
    ) -> Commit:
        checks = dict(expected or {})
        unwritten = sorted(checks.keys() - {uri for uri, _ in files})
        if unwritten:
            raise InvalidInput(f"resources: expected names {unwritten[0]}, which is not written")
        if not files:
            raise InvalidInput("resources: give at least one file")
        if len(files) > MAX_FILES_PER_COMMIT:
            raise InvalidInput(
                f"resources: at most {MAX_FILES_PER_COMMIT} files per request "
                f"({len(files)} given); split the upload"
            )
        total = sum(len(content) for _, content in files)
        if total > MAX_BYTES_PER_COMMIT:
            raise PayloadTooLarge(
                f"resources: {len(files)} files of {total} bytes together; one request writes "
                f"at most {MAX_BYTES_PER_COMMIT} bytes; split the upload"
            )
        version = commit_id(self._next_counter(scope.project))
        writes: list[dict[str, Any]] = []
        guarded: dict[int, str] = {}  # position of a checked CUR write -> its file
        for uri, content in files:
            file_writes = self._file_writes(scope, uri, content, version)
            if uri in checks:
                _expect(file_writes[-1], checks[uri])
                guarded[len(writes) + len(file_writes) - 1] = uri
            writes.extend(file_writes)
        uris = tuple(f"{scope.key}:{uri}" if scope.key else uri for uri, _ in files)
        writes.append(self._commit_write(scope.project, version, author, message, uris))
        self._transact(writes, guarded, scope.describe())
        return self._commit(version, author, message, uris)

    def delete_resource(self, scope: ResourceScope, uri: str, author: str) -> Commit:
        version = commit_id(self._next_counter(scope.project))
        change = (f"{scope.key}:{uri}" if scope.key else uri,)
        writes = [
            *self._file_writes(scope, uri, b"", version, deleted=True),
            self._commit_write(scope.project, version, author, f"delete {uri}", change),
        ]
        self._transact(writes)
        return self._commit(version, author, f"delete {uri}", change)

    def get_resource(
        self, scope: ResourceScope, uri: str, version: str | None = None
    ) -> Resource | None:
        client = self._clients.dynamodb
        if version is None:
            response = client.get_item(
                TableName=self._table,
                Key={"pk": {"S": f"P#{scope.project}"}, "sk": {"S": f"CUR#{scope.key}{SEP}{uri}"}},
                ConsistentRead=True,
            )
            item = response.get("Item")
        else:
            prefix = f"RES#{scope.key}{SEP}{uri}{SEP}"
            response = client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
                ExpressionAttributeValues={
                    ":pk": {"S": f"P#{scope.project}"},
                    ":low": {"S": prefix},
                    ":high": {"S": prefix + version},
                },
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
            items = response.get("Items", [])
            item = items[0] if items else None
        if not item or item.get("deleted", {}).get("BOOL"):
            return None
        return _resource_from_item(item)

    def list_resources(self, scope: ResourceScope, version: str | None = None) -> list[Resource]:
        pk = {"pk": f"P#{scope.project}"}
        if version is None:
            items = self._query_all(pk, f"CUR#{scope.key}{SEP}")
            resources = [_resource_from_item(item) for item in items]
        else:
            newest: dict[str, Resource] = {}
            for item in self._query_all(pk, f"RES#{scope.key}{SEP}"):
                resource = _resource_from_item(item)
                if resource.version <= version:
                    newest[resource.uri] = resource  # ascending sort key: later wins
            resources = list(newest.values())
        return [resource for resource in resources if not resource.deleted]

    # -- helpers --------------------------------------------------------------------------

    def _transact(
        self,
        writes: list[dict[str, Any]],
        guarded: Mapping[int, str] | None = None,
        where: str = "",
    ) -> None:
        """Write a commit; when a newer commit already moved a file's pointer, keep that pointer
        and still record this commit's versions, so no change is lost either way. A file
        written with an expected version (`guarded`: position -> uri) is different: another
        commit moved it since it was read, so nothing is written (ResourceChanged)."""
        client = self._clients.dynamodb
        try:
            client.transact_write_items(TransactItems=writes)
        except client.exceptions.TransactionCanceledException as error:
            reasons = getattr(error, "response", {}).get("CancellationReasons") or []
            for position, reason in enumerate(reasons):
                # TransactionConflict: another commit is writing that file at this moment.
                uri = (guarded or {}).get(position)
                if uri and reason.get("Code") in ("ConditionalCheckFailed", "TransactionConflict"):
                    raise ResourceChanged(uri, where) from error
            stale = {
                position
                for position, reason in enumerate(reasons)
                if reason.get("Code") == "ConditionalCheckFailed"
                and writes[position]["Put"]["Item"]["sk"]["S"].startswith("CUR#")
            }
            failed = {p for p, r in enumerate(reasons) if r.get("Code") not in (None, "None")}
            if not stale or failed != stale:
                raise
            kept = [write for position, write in enumerate(writes) if position not in stale]
            client.transact_write_items(TransactItems=kept)

    def _next_counter(self, project: str) -> int:
        client = self._clients.dynamodb
        try:
            response = client.update_item(
                TableName=self._table,
                Key={"pk": {"S": PROJECTS}, "sk": {"S": project}},
                UpdateExpression="ADD head :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            )
        except client.exceptions.ConditionalCheckFailedException as error:
            raise NotFound(f"project '{project}' does not exist") from error
        return int(response["Attributes"]["head"]["N"])

    def _file_writes(
        self, scope: ResourceScope, uri: str, content: bytes, version: str, deleted: bool = False
    ) -> list[dict[str, Any]]:
        pk = {"S": f"P#{scope.project}"}
        body = {
            "uri": {"S": uri},
            "content": {"B": content},
            "version": {"S": version},
            "deleted": {"BOOL": deleted},
        }
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {"pk": pk, "sk": {"S": f"RES#{scope.key}{SEP}{uri}{SEP}{version}"}}
                    | body,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {"pk": pk, "sk": {"S": f"CUR#{scope.key}{SEP}{uri}"}} | body,
                    # A slower, older commit must not move the pointer back (see _transact).
                    "ConditionExpression": "attribute_not_exists(pk) OR version < :version",
                    "ExpressionAttributeValues": {":version": {"S": version}},
                }
            },
        ]

    def _commit(self, version: str, author: str, message: str, changes: tuple[str, ...]) -> Commit:
        return Commit(
            id=version,
            time=format_time(datetime.now(UTC)),
            author=author,
            message=message,
            changes=changes,
        )

    def _commit_write(
        self, project: str, version: str, author: str, message: str, changes: tuple[str, ...]
    ) -> dict[str, Any]:
        commit = self._commit(version, author, message, changes)
        return {
            "Put": {
                "TableName": self._table,
                "Item": {
                    "pk": {"S": f"P#{project}"},
                    "sk": {"S": f"COMMIT#{version}"},
                    "record": {"S": commit.model_dump_json()},
                },
            }
        }

    def _query_all(
        self, key: dict[str, str], sk_prefix: str | None, keys_only: bool = False
    ) -> list[dict[str, Any]]:
        condition = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": key["pk"]}}
        if sk_prefix is not None:
            condition += " AND begins_with(sk, :prefix)"
            values[":prefix"] = {"S": sk_prefix}
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        if keys_only:
            request["ProjectionExpression"] = "pk, sk"
        items: list[dict[str, Any]] = []
        while True:
            response = self._clients.dynamodb.query(**request)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _resource_from_item(item: dict[str, Any]) -> Resource:
    return Resource(
        uri=item["uri"]["S"],
        content=bytes(item["content"]["B"]),
        version=item["version"]["S"],
        deleted=item.get("deleted", {}).get("BOOL", False),
    )


def _expect(pointer: dict[str, Any], version: str | None) -> None:
    """Make the Put of a file's CUR item conditional on the version its writer read (None: no
    file, or a deleted one). A version read is older than the commit writing now, so the
    pointer still only moves forward."""
    put = pointer["Put"]
    if version is None:
        put["ConditionExpression"] = "attribute_not_exists(pk) OR deleted = :deleted"
        put["ExpressionAttributeValues"] = {":deleted": {"BOOL": True}}
    else:
        put["ConditionExpression"] = "version = :expected"
        put["ExpressionAttributeValues"] = {":expected": {"S": version}}
