"""ConfigStore on DynamoDB: projects and services, on top of the versioned files.

| pk            | sk                                  | item                                   |
|---------------|-------------------------------------|----------------------------------------|
| PROJECTS      | <project>                           | the project and its commit counter     |
| P#<project>   | SVC#<service>                       | a service                              |

Versioned files and commits (RES#, CUR#, COMMIT# under P#<project>), the commit counter and
commit ids are in dynamodb_resources.py. A project's shipyard is its file `shipyard.yaml`,
written in the same transaction as the project item: creating or updating a project is a commit.

Deleting a project first marks its item (`deleting`): from then on every read treats the
project as gone and its name cannot be taken again. The item itself goes last, after everything
else of the project, so a deletion interrupted half-way is found and finished by the next one.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.dynamodb_resources import PROJECTS, DynamoDbResourceStore, commit_id
from chalicelib.domain.projects import ProjectRecord, ResourceScope, ServiceRecord
from chalicelib.domain.resource_uris import SHIPYARD_URI
from chalicelib.errors import Conflict, NotFound


class DynamoDbConfigStore(DynamoDbResourceStore):
    """Implements ConfigStore; see the module docstrings for the key layout."""

    # -- projects -------------------------------------------------------------------------

    def create_project(self, project: ProjectRecord, author: str) -> ProjectRecord:
        created = project.model_copy(update={"head": commit_id(1)})
        scope = ResourceScope(project=project.name)
        writes = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _project_item(created, counter=1),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            *self._file_writes(scope, SHIPYARD_URI, project.shipyard.encode(), created.head),
            self._commit_write(project.name, created.head, author, "create project", ("shipyard",)),
        ]
        client = self._clients.dynamodb
        try:
            client.transact_write_items(TransactItems=writes)
        except client.exceptions.TransactionCanceledException as error:
            if _condition_failed(error, position=0):
                raise _taken(project.name, self._being_deleted(project.name)) from error
            raise
        return created

    def update_shipyard(self, project: ProjectRecord, author: str) -> ProjectRecord:
        counter = self._next_counter(project.name)
        updated = project.model_copy(update={"head": commit_id(counter)})
        scope = ResourceScope(project=project.name)
        writes = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _project_item(updated, counter),
                    # Not over a deletion in progress: the project would come back half-deleted.
                    "ConditionExpression": (
                        "attribute_exists(pk) AND attribute_not_exists(deleting)"
                    ),
                }
            },
            *self._file_writes(scope, SHIPYARD_URI, project.shipyard.encode(), updated.head),
            self._commit_write(
                project.name, updated.head, author, "update shipyard", ("shipyard",)
            ),
        ]
        client = self._clients.dynamodb
        try:
            self._transact(writes)
        except client.exceptions.TransactionCanceledException as error:
            if _condition_failed(error, position=0):
                raise NotFound(f"project '{project.name}' does not exist") from error
            raise
        return updated

    def get_project(self, name: str) -> ProjectRecord | None:
        response = self._clients.dynamodb.get_item(
            TableName=self._table,
            Key={"pk": {"S": PROJECTS}, "sk": {"S": name}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _project_from_item(item) if item and "deleting" not in item else None

    def list_projects(self) -> list[ProjectRecord]:
        items = self._query_all({"pk": PROJECTS}, None)
        return [_project_from_item(item) for item in items if "deleting" not in item]

    def mark_deleting(self, name: str, since: str) -> ProjectRecord | None:
        client = self._clients.dynamodb
        try:
            response = client.update_item(
                TableName=self._table,
                Key={"pk": {"S": PROJECTS}, "sk": {"S": name}},
                # A deletion retried keeps the time the first attempt started.
                UpdateExpression="SET deleting = if_not_exists(deleting, :since)",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":since": {"S": since}},
                ReturnValues="ALL_NEW",
            )
        except client.exceptions.ConditionalCheckFailedException:
            return None
        return _project_from_item(response["Attributes"])

    def delete_project(self, name: str) -> None:
        client = self._clients.dynamodb
        keys = [
            {"pk": item["pk"], "sk": item["sk"]}
            for item in self._query_all({"pk": f"P#{name}"}, None, keys_only=True)
        ]
        for start in range(0, len(keys), 25):
            batch = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
            pending: dict[str, Any] = {self._table: batch}
            while pending:
                response = client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
        # Last: until now a retried deletion finds the project and finishes the rest.
        client.delete_item(TableName=self._table, Key={"pk": {"S": PROJECTS}, "sk": {"S": name}})

    def _being_deleted(self, name: str) -> bool:
        item = self._clients.dynamodb.get_item(
            TableName=self._table,
            Key={"pk": {"S": PROJECTS}, "sk": {"S": name}},
            ConsistentRead=True,
        ).get("Item")
        return bool(item and "deleting" in item)

    # -- services -------------------------------------------------------------------------

    def create_service(self, service: ServiceRecord) -> None:
        client = self._clients.dynamodb
        try:
            client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"P#{service.project}"},
                    "sk": {"S": f"SVC#{service.name}"},
                    "record": {"S": service.model_dump_json()},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except client.exceptions.ConditionalCheckFailedException as error:
            raise Conflict(
                f"service '{service.name}' already exists in project '{service.project}'"
            ) from error

    def list_services(self, project: str) -> list[ServiceRecord]:
        items = self._query_all({"pk": f"P#{project}"}, "SVC#")
        return [ServiceRecord.model_validate_json(item["record"]["S"]) for item in items]

    def delete_service(self, project: str, service: str) -> None:
        self._clients.dynamodb.delete_item(
            TableName=self._table,
            Key={"pk": {"S": f"P#{project}"}, "sk": {"S": f"SVC#{service}"}},
        )


def _project_item(project: ProjectRecord, counter: int) -> dict[str, Any]:
    return {
        "pk": {"S": PROJECTS},
        "sk": {"S": project.name},
        "record": {"S": project.model_dump_json(exclude={"head"})},
        "head": {"N": str(counter)},
    }


def _project_from_item(item: dict[str, Any]) -> ProjectRecord:
    record = json.loads(item["record"]["S"])
    record["head"] = commit_id(int(item["head"]["N"]))
    return ProjectRecord.model_validate(record)


def _taken(name: str, being_deleted: bool) -> Conflict:
    if being_deleted:
        return Conflict(
            f"project '{name}' is being deleted; delete it again to finish "
            f"(qm delete project {name}), then create it"
        )
    return Conflict(f"project '{name}' already exists")


def _condition_failed(error: Exception, position: int) -> bool:
    reasons = getattr(error, "response", {}).get("CancellationReasons") or []
    return len(reasons) > position and reasons[position].get("Code") == "ConditionalCheckFailed"
