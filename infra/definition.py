"""Build the CloudFormation template of Quartermaster's AWS resources.

One function, two targets: `lambda` wires each rule to its Chalice function (merged into the
template `chalice package` writes), `sqs` wires each rule to a queue that the local runtime's
dispatcher drains into the same handler code. Everything else is identical.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from infra.handlers import HANDLERS, HandlerSpec

TargetMode = Literal["lambda", "sqs"]

EVENT_INDEXES = {
    "by-id": "eid",
    "by-context": "ctx",
    "by-project": "project",
    "by-project-type": "ptype",
    "by-scope-type": "pst",
    "by-triggered": "trig",
}


def names(stage: str) -> dict[str, str]:
    """Physical names; the Lambda functions read the same ones through Settings."""
    prefix = f"quartermaster-{stage}"
    return {
        "bus": prefix,
        "events_table": f"{prefix}-events",
        "config_table": f"{prefix}-config",
        "runs_table": f"{prefix}-runs",
    }


def logical_id(name: str) -> str:
    """CloudFormation logical ids are alphanumeric: `get-sli` -> `GetSli`."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]", name) if part)


def _events_table(table_name: str) -> dict[str, Any]:
    attributes = ["pk", "ts", *EVENT_INDEXES.values()]
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
                        {"AttributeName": "ts", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index, attribute in EVENT_INDEXES.items()
            ],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
        },
    }


def _config_table(table_name: str) -> dict[str, Any]:
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
    "unanswered": ("awaitShard", "deadline"),
}


def _runs_table(table_name: str) -> dict[str, Any]:
    table = _config_table(table_name)
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


def _rule(spec: HandlerSpec, bus_name: str, target: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "Name": f"{bus_name}-{spec.name}",
            "Description": spec.description,
            # A literal bus name, not a Ref: moto's CloudFormation cannot resolve a Ref here.
            "EventBusName": bus_name,
            "EventPattern": spec.pattern,
            "State": "ENABLED",
            "Targets": [target],
        },
    }


def _queue_resources(spec: HandlerSpec, stage: str) -> dict[str, Any]:
    queue_id = f"{logical_id(spec.name)}Queue"
    queue_name = f"quartermaster-{stage}-{spec.name}"
    return {
        f"{queue_id}DeadLetters": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": f"{queue_name}-dlq", "MessageRetentionPeriod": 1209600},
        },
        queue_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": queue_name,
                "VisibilityTimeout": spec.timeout_s * 6,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [f"{queue_id}DeadLetters", "Arn"]},
                    "maxReceiveCount": 3,
                },
            },
        },
    }


def build_template(stage: str, mode: TargetMode) -> dict[str, Any]:
    """The CloudFormation template (as a dict) for `stage`, rules targeting `mode`."""
    physical = names(stage)
    resources: dict[str, Any] = {
        "EventBus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": physical["bus"]}},
        "EventsTable": _events_table(physical["events_table"]),
        "ConfigTable": _config_table(physical["config_table"]),
        "RunsTable": _runs_table(physical["runs_table"]),
    }
    for spec in HANDLERS:
        rule_id = f"{logical_id(spec.name)}Rule"
        if mode == "sqs":
            resources.update(_queue_resources(spec, stage))
            queue_id = f"{logical_id(spec.name)}Queue"
            target = {"Id": spec.name, "Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
        else:
            function_id = logical_id(spec.name)  # the logical id `chalice package` gives it
            target = {"Id": spec.name, "Arn": {"Fn::GetAtt": [function_id, "Arn"]}}
            resources[f"{function_id}InvokePermission"] = {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Ref": function_id},
                    "Principal": "events.amazonaws.com",
                    "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
                },
            }
        resources[rule_id] = _rule(spec, physical["bus"], target)
        resources[rule_id]["DependsOn"] = ["EventBus"]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Quartermaster ({stage}): event bus, tables, rules",
        "Resources": resources,
    }


def queue_names(stage: str) -> dict[str, str]:
    """Handler name -> SQS queue name, for the local dispatcher."""
    return {spec.name: f"quartermaster-{stage}-{spec.name}" for spec in HANDLERS}


def template_json(stage: str, mode: TargetMode) -> str:
    return json.dumps(build_template(stage, mode), indent=2, sort_keys=True)


def main() -> None:
    """`python -m infra.definition --stage prod [--mode lambda|sqs]` prints the template."""
    import argparse

    parser = argparse.ArgumentParser(description="Print Quartermaster's CloudFormation template.")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--mode", choices=("lambda", "sqs"), default="lambda")
    arguments = parser.parse_args()
    print(template_json(arguments.stage, arguments.mode))


if __name__ == "__main__":
    main()
