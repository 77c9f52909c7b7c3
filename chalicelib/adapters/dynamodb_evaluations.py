"""EvaluationStore on DynamoDB: one item per evaluation, pending get-sli request or project.

Baselines are read with one Query on a sparse index per `include_result_with_score` choice:
an evaluation carries the index keys it counts for, and invalidating it removes them all.
"""

from __future__ import annotations

import json
import time
import zlib
from typing import Any

from chalicelib.adapters.aws_clients import AwsClients
from chalicelib.domain.evaluations import (
    STORED,
    BaselineFilter,
    EvaluationRecord,
    MonitoringSettings,
    PendingEvaluation,
)

# Index name -> its partition key attribute; every index sorts on `sortKey` (time#event id).
HISTORY_INDEX = "history"
BASELINE_INDEXES = {
    BaselineFilter.ALL: ("baseline-all", "validScope"),
    BaselineFilter.PASS_OR_WARN: ("baseline-pass-or-warn", "passOrWarnScope"),
    BaselineFilter.PASS: ("baseline-pass", "passScope"),
}
# A get-sli request no provider answers is forgotten after a week.
PENDING_TTL_SECONDS = 7 * 24 * 3600


def _scope(project: str, stage: str, service: str) -> str:
    return f"{project}/{stage}/{service}"


class DynamoDbEvaluationStore:
    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self._table = table_name

    # -- pending get-sli requests --------------------------------------------------------

    def put_pending(self, pending: PendingEvaluation) -> None:
        self._clients.dynamodb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"getsli#{pending.get_sli_id}"},
                "pending": {"S": pending.model_dump_json()},
                "expires": {"N": str(int(time.time()) + PENDING_TTL_SECONDS)},
            },
        )

    def get_pending(self, get_sli_id: str) -> PendingEvaluation | None:
        item = self._get(f"getsli#{get_sli_id}")
        if item is None:
            return None
        return PendingEvaluation.model_validate_json(item["pending"]["S"])

    def delete_pending(self, get_sli_id: str) -> None:
        self._clients.dynamodb.delete_item(
            TableName=self._table, Key={"pk": {"S": f"getsli#{get_sli_id}"}}
        )

    def record_part(self, group: str, part: str, answer: dict[str, Any]) -> dict[str, Any]:
        # One item per group, an attribute per part: each answer is one atomic write, and the
        # item as written tells whether every part has answered.
        found = self._clients.dynamodb.update_item(
            TableName=self._table,
            Key={"pk": {"S": f"getsli-parts#{group}"}},
            UpdateExpression="SET #part = :answer, expires = :expires",
            ExpressionAttributeNames={"#part": f"part-{part}"},
            ExpressionAttributeValues={
                ":answer": {"S": json.dumps(answer)},
                ":expires": {"N": str(int(time.time()) + PENDING_TTL_SECONDS)},
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return {
            name.removeprefix("part-"): json.loads(value["S"])
            for name, value in found.items()
            if name.startswith("part-")
        }

    def delete_parts(self, group: str) -> None:
        self._clients.dynamodb.delete_item(
            TableName=self._table, Key={"pk": {"S": f"getsli-parts#{group}"}}
        )

    # -- evaluations ---------------------------------------------------------------------

    def put_evaluation(self, record: EvaluationRecord) -> bool:
        scope = _scope(record.project, record.stage, record.service)
        item: dict[str, Any] = {
            "pk": {"S": f"eval#{record.evaluation_id}"},
            "scope": {"S": scope},
            "sortKey": {"S": f"{record.time}#{record.event_id}"},
            # Compressed: the SLO file and 90 indicator results fit well under the 400 KB limit.
            "record": {"B": zlib.compress(record.model_dump_json().encode("utf-8"))},
        }
        for include, (_, attribute) in BASELINE_INDEXES.items():
            if record.counts_for(include):
                item[attribute] = {"S": scope}
        try:
            self._clients.dynamodb.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._clients.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def baselines(
        self, project: str, stage: str, service: str, include: BaselineFilter, limit: int
    ) -> list[EvaluationRecord]:
        index, attribute = BASELINE_INDEXES[include]
        return self._newest(index, attribute, _scope(project, stage, service), limit)

    def history(self, project: str, stage: str, service: str, limit: int) -> list[EvaluationRecord]:
        return self._newest(HISTORY_INDEX, "scope", _scope(project, stage, service), limit)

    def invalidate(self, evaluation_id: str) -> bool:
        attributes = ", ".join(attribute for _, attribute in BASELINE_INDEXES.values())
        try:
            self._clients.dynamodb.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"eval#{evaluation_id}"}},
                UpdateExpression=f"SET invalidated = :yes REMOVE {attributes}",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":yes": {"BOOL": True}},
            )
        except self._clients.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # -- monitoring settings -------------------------------------------------------------

    def get_monitoring(self, project: str) -> MonitoringSettings | None:
        item = self._get(f"monitoring#{project}")
        if item is None:
            return None
        return MonitoringSettings.model_validate_json(item["settings"]["S"], context=STORED)

    def put_monitoring(self, project: str, settings: MonitoringSettings) -> None:
        self._clients.dynamodb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"monitoring#{project}"},
                "settings": {"S": settings.model_dump_json(exclude_none=True)},
            },
        )

    def forget_project(self, project: str, scopes: list[tuple[str, str]]) -> None:
        client = self._clients.dynamodb
        for stage, service in scopes:
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": HISTORY_INDEX,
                "KeyConditionExpression": "#key = :scope",
                "ExpressionAttributeNames": {"#key": "scope"},
                "ExpressionAttributeValues": {":scope": {"S": _scope(project, stage, service)}},
            }
            while True:
                response = client.query(**request)
                for item in response.get("Items", []):
                    client.delete_item(TableName=self._table, Key={"pk": item["pk"]})
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        client.delete_item(TableName=self._table, Key={"pk": {"S": f"monitoring#{project}"}})

    # -- helpers -------------------------------------------------------------------------

    def _get(self, key: str) -> dict[str, Any] | None:
        response = self._clients.dynamodb.get_item(
            TableName=self._table, Key={"pk": {"S": key}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item

    def _newest(self, index: str, attribute: str, scope: str, limit: int) -> list[EvaluationRecord]:
        if limit <= 0:
            return []
        response = self._clients.dynamodb.query(
            TableName=self._table,
            IndexName=index,
            KeyConditionExpression="#key = :scope",
            ExpressionAttributeNames={"#key": attribute},
            ExpressionAttributeValues={":scope": {"S": scope}},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_record(item) for item in response.get("Items", [])]


def _record(item: dict[str, Any]) -> EvaluationRecord:
    record = EvaluationRecord.model_validate(
        json.loads(zlib.decompress(item["record"]["B"]).decode("utf-8"))
    )
    if "invalidated" in item:
        return record.model_copy(update={"invalidated": True})
    return record
