"""What surrounds the functions without invoking them: the internal queues and their dead-letter
queues, the on-failure queues, the functions' log groups and the Step Functions role.

The bootstrap stack (`chalice deploy` route) holds these before any function exists; the
packaged template holds them beside the functions.
"""

from __future__ import annotations

from typing import Any

from infra.handlers import HANDLERS, INTERNAL_QUEUES, queue_name
from infra.naming import (
    LOG_RETENTION_DAYS,
    RETENTION_14_DAYS,
    failure_queue_name,
    function_id,
    is_asynchronous,
    log_group_name,
    logical_id,
)


def queue(name: str, visibility_s: int) -> dict[str, Any]:
    """A queue and its dead-letter queue: a message that fails three times is kept, visibly."""
    queue_id = f"{logical_id(name)}Queue"
    return {
        f"{queue_id}DeadLetters": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"{name}-dlq",
                "MessageRetentionPeriod": RETENTION_14_DAYS,
                "SqsManagedSseEnabled": True,
            },
        },
        queue_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": name,
                "VisibilityTimeout": visibility_s,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [f"{queue_id}DeadLetters", "Arn"]},
                    "maxReceiveCount": 3,
                },
            },
        },
    }


def internal_queue_id(stage: str, name: str) -> str:
    return f"{logical_id(queue_name(stage, name))}Queue"


def internal_queues(stage: str) -> dict[str, Any]:
    """Each internal queue, its visibility its consumer's (the handler it feeds)."""
    resources: dict[str, Any] = {}
    for name in INTERNAL_QUEUES:
        (consumer,) = (spec for spec in HANDLERS if spec.queue == name)
        resources.update(queue(queue_name(stage, name), visibility_s=consumer.queue_visibility_s))
    return resources


def failure_queue_id(name: str) -> str:
    return f"{function_id(name)}Failures"


def failure_queues(stage: str) -> dict[str, Any]:
    """The on-failure destination of every asynchronous handler (events kept with their error)."""
    return {
        failure_queue_id(spec.name): {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": failure_queue_name(stage, spec.name),
                "MessageRetentionPeriod": RETENTION_14_DAYS,
                "SqsManagedSseEnabled": True,
            },
        }
        for spec in HANDLERS
        if is_asynchronous(spec)
    }


def log_group_id(name: str) -> str:
    return f"{function_id(name)}LogGroup"


def log_groups(stage: str, functions: list[str]) -> dict[str, Any]:
    """A log group per function with a retention, created before the function (else Lambda
    creates one on first use that keeps logs forever)."""
    return {
        log_group_id(name): {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": log_group_name(stage, name),
                "RetentionInDays": LOG_RETENTION_DAYS,
            },
        }
        for name in functions
    }


def states_role(role_name: str, stage: str) -> dict[str, Any]:
    """The role state machines run as: they may only write to the internal queues."""
    queue_arns = [
        {"Fn::GetAtt": [internal_queue_id(stage, name), "Arn"]} for name in INTERNAL_QUEUES
    ]
    return {
        "StatesRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": role_name,
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "states.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "internal-queues",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sqs:SendMessage",
                                    "Resource": queue_arns,
                                }
                            ],
                        },
                    }
                ],
            },
        }
    }
