"""The DynamoDB tables: keys and indexes designed from the queries (DESIGN.md section 5)."""

from __future__ import annotations

from typing import Any

EVENT_INDEXES = {
    "by-id": "eid",
    "by-context": "ctx",
    "by-project": "project",
    "by-project-type": "ptype",
    "by-scope-type": "pst",
    "by-triggered": "trig",
    "by-root": "rootp",
}


def _indexed_table(table_name: str, indexes: dict[str, str], sort_key: str) -> dict[str, Any]:
    """A table keyed by `pk` whose indexes (name -> partition key) all sort on `sort_key`."""
    attributes = ["pk", sort_key, *indexes.values()]
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": "S"} for name in attributes
            ],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": index,
                    "KeySchema": [
                        {"AttributeName": attribute, "KeyType": "HASH"},
                        {"AttributeName": sort_key, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index, attribute in indexes.items()
            ],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
        },
    }


def events_table(table_name: str) -> dict[str, Any]:
    return _indexed_table(table_name, EVENT_INDEXES, "ts")


def config_table(table_name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
        },
    }


# Index name -> (partition key, sort key) of the runs table; see chalicelib/adapters/dynamodb_runs.
RUN_INDEXES = {
    "by-context": ("ctx", "created"),
    "by-project": ("project", "created"),
    "open-tasks": ("openKey", "dispatched"),
}


def runs_table(table_name: str) -> dict[str, Any]:
    table = config_table(table_name)
    attributes = sorted({name for pair in RUN_INDEXES.values() for name in pair})
    table["Properties"]["AttributeDefinitions"] += [
        {"AttributeName": name, "AttributeType": "S"} for name in attributes
    ]
    table["Properties"]["GlobalSecondaryIndexes"] = [
        {
            "IndexName": index,
            "KeySchema": [
                {"AttributeName": hash_key, "KeyType": "HASH"},
                {"AttributeName": range_key, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
        for index, (hash_key, range_key) in RUN_INDEXES.items()
    ]
    return table


# Index name -> partition key of the evaluations table; all sort on `sortKey` (time#event id).
# The three baseline indexes are sparse: an evaluation carries only the keys of the
# `include_result_with_score` choices it counts for (chalicelib/adapters/dynamodb_evaluations).
EVALUATION_INDEXES = {
    "history": "scope",
    "baseline-all": "validScope",
    "baseline-pass-or-warn": "passOrWarnScope",
    "baseline-pass": "passScope",
}


def evaluations_table(table_name: str) -> dict[str, Any]:
    table = _indexed_table(table_name, EVALUATION_INDEXES, "sortKey")
    # Pending get-sli requests nobody answered expire.
    table["Properties"]["TimeToLiveSpecification"] = {"AttributeName": "expires", "Enabled": True}
    return table


# Powertools' DynamoDBPersistenceLayer defaults (chalicelib/adapters/idempotency_records.py).
IDEMPOTENCY_KEY = "id"
IDEMPOTENCY_EXPIRY = "expiration"


def idempotency_table(table_name: str) -> dict[str, Any]:
    """One record per delivery a handler took (chalicelib/idempotency.py), expired by TTL after a
    day. Nothing here is worth keeping, so unlike the other tables it goes with its stack."""
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": IDEMPOTENCY_KEY, "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": IDEMPOTENCY_KEY, "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": IDEMPOTENCY_EXPIRY, "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
        },
    }


def deployments_table(table_name: str) -> dict[str, Any]:
    """The deployment executor's records and what runs where (chalicelib/adapters/
    dynamodb_deployments.py): keyed pk + sk, no index."""
    return config_table(table_name)
