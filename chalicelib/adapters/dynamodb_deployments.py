"""DeploymentStore and ServiceStates on one DynamoDB table (the deployments table).

| pk                                   | sk                   | item                              |
|--------------------------------------|----------------------|-----------------------------------|
| DEP#<triggered id>                   | -                    | a deployment record (revisioned)  |
| WAIT#<evaluation id>                 | -                    | a canary step's task token        |
| LAST#<project>␟<stage>␟<service>    | -                    | the service's last deployment     |
| STATE#<project>                      | <stage>␟<service>   | what runs where (ServiceState)    |

A state item keeps each event type's newest event in an attribute of its own (`t:<type>`), so
recording an event is one conditional update that never reads; its deployment part is written
whole with a revision.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.deployment_records import DeploymentRecord, EvaluationWaiter
from chalicelib.domain.service_state import Deployed, SeenEvent, ServiceState

SEP = "\x1f"
NO_SORT = "-"
_TYPE_PREFIX = "t:"


class DynamoDbDeploymentStore:
    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    def create(self, record: DeploymentRecord) -> bool:
        return self._put(f"DEP#{record.id}", record, "attribute_not_exists(pk)", {})

    def get(self, deployment_id: str) -> DeploymentRecord | None:
        item = self._get(f"DEP#{deployment_id}")
        return DeploymentRecord.model_validate_json(item["record"]["S"]) if item else None

    def save(self, record: DeploymentRecord) -> bool:
        return self._put(
            f"DEP#{record.id}",
            record,
            "revision = :expected",
            {":expected": {"N": str(record.revision - 1)}},
        )

    def put_waiter(self, waiter: EvaluationWaiter) -> None:
        self._clients.dynamodb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"WAIT#{waiter.evaluation_id}"},
                "sk": {"S": NO_SORT},
                "waiter": {"S": waiter.model_dump_json()},
            },
        )

    def get_waiter(self, evaluation_id: str) -> EvaluationWaiter | None:
        item = self._get(f"WAIT#{evaluation_id}")
        return EvaluationWaiter.model_validate_json(item["waiter"]["S"]) if item else None

    def last_deployment(self, project: str, stage: str, service: str) -> DeploymentRecord | None:
        item = self._get(f"LAST#{SEP.join((project, stage, service))}")
        return DeploymentRecord.model_validate_json(item["record"]["S"]) if item else None

    def set_last_deployment(self, record: DeploymentRecord) -> None:
        client = self._clients.dynamodb
        key = f"LAST#{SEP.join((record.project, record.stage, record.service))}"
        try:
            client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": key},
                    "sk": {"S": NO_SORT},
                    "record": {"S": record.model_dump_json(exclude_none=True)},
                    "created": {"S": record.created},
                },
                # A redelivered older task never replaces a newer one.
                ConditionExpression="attribute_not_exists(pk) OR created <= :created",
                ExpressionAttributeValues={":created": {"S": record.created}},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return

    def forget_last_deployment(self, project: str, stage: str, service: str) -> None:
        self._clients.dynamodb.delete_item(
            TableName=self._table,
            Key={"pk": {"S": f"LAST#{SEP.join((project, stage, service))}"}, "sk": {"S": NO_SORT}},
        )

    def _put(
        self, key: str, record: DeploymentRecord, condition: str, values: dict[str, Any]
    ) -> bool:
        client = self._clients.dynamodb
        try:
            client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": key},
                    "sk": {"S": NO_SORT},
                    "record": {"S": record.model_dump_json(exclude_none=True)},
                    "revision": {"N": str(record.revision)},
                },
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _get(self, key: str) -> dict[str, Any] | None:
        response = self._clients.dynamodb.get_item(
            TableName=self._table,
            Key={"pk": {"S": key}, "sk": {"S": NO_SORT}},
            ConsistentRead=True,
        )
        item: dict[str, Any] | None = response.get("Item")
        return item


class DynamoDbServiceStates:
    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    def note_event(self, project: str, stage: str, service: str, seen: SeenEvent) -> None:
        client = self._clients.dynamodb
        try:
            client.update_item(
                TableName=self._table,
                Key=_key(project, stage, service),
                UpdateExpression="SET #type = :seen",
                ConditionExpression="attribute_not_exists(#type) OR #type.#time <= :time",
                ExpressionAttributeNames={"#type": _TYPE_PREFIX + seen.type, "#time": "time"},
                ExpressionAttributeValues={
                    ":seen": {"M": {name: {"S": value} for name, value in _seen(seen).items()}},
                    ":time": {"S": seen.time},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return  # a newer event of this type is recorded

    def get(self, project: str, stage: str, service: str) -> ServiceState | None:
        response = self._clients.dynamodb.get_item(
            TableName=self._table, Key=_key(project, stage, service), ConsistentRead=True
        )
        item = response.get("Item")
        return _state(item) if item else None

    def of_project(self, project: str) -> list[ServiceState]:
        client = self._clients.dynamodb
        states: list[ServiceState] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"STATE#{project}"}},
        }
        while True:
            response = client.query(**request)
            states.extend(_state(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return states
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def save_deployed(self, state: ServiceState) -> bool:
        client = self._clients.dynamodb
        deployment = {
            name: getattr(state, name).model_dump_json()
            for name in ("deployed", "previous", "staged")
            if getattr(state, name) is not None
        }
        try:
            client.update_item(
                TableName=self._table,
                Key=_key(state.project, state.stage, state.service),
                UpdateExpression="SET deployment = :deployment, revision = :revision",
                ConditionExpression="attribute_not_exists(revision) OR revision = :expected",
                ExpressionAttributeValues={
                    ":deployment": {"S": json.dumps(deployment)},
                    ":revision": {"N": str(state.revision)},
                    ":expected": {"N": str(state.revision - 1)},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def forget_project(self, project: str) -> list[tuple[str, str]]:
        pairs = [(state.stage, state.service) for state in self.of_project(project)]
        for stage, service in pairs:
            self._clients.dynamodb.delete_item(
                TableName=self._table, Key=_key(project, stage, service)
            )
        return pairs


def _key(project: str, stage: str, service: str) -> dict[str, Any]:
    return {"pk": {"S": f"STATE#{project}"}, "sk": {"S": f"{stage}{SEP}{service}"}}


def _seen(seen: SeenEvent) -> dict[str, str]:
    return {
        "type": seen.type,
        "eventId": seen.event_id,
        "keptnContext": seen.keptn_context,
        "time": seen.time,
    }


def _state(item: dict[str, Any]) -> ServiceState:
    stage, service = item["sk"]["S"].split(SEP, 1)
    seen = {
        name[len(_TYPE_PREFIX) :]: SeenEvent.model_validate(
            {key: value["S"] for key, value in attribute["M"].items()}
        )
        for name, attribute in item.items()
        if name.startswith(_TYPE_PREFIX)
    }
    deployment = json.loads(item["deployment"]["S"]) if "deployment" in item else {}
    return ServiceState(
        project=item["pk"]["S"].removeprefix("STATE#"),
        stage=stage,
        service=service,
        last_event_types=seen,
        revision=int(item["revision"]["N"]) if "revision" in item else 0,
        **{name: Deployed.model_validate_json(value) for name, value in deployment.items()},
    )
