"""How each handler is triggered: EventBridge rules, internal queues, schedules.

In `lambda` mode the triggers invoke the Chalice functions (`chalice package` names a function
`get-sli` as logical id `GetSli`). In `sqs` mode, for the local runtime, each bus rule delivers to
a queue of its own, internal queues are left for the local dispatcher to drain, and schedules
are run by the local runtime's clock.

`lambda` mode also overlays each Chalice function (its physical name, so policies and log groups
can name it; its log group, created first with a retention) and gives every asynchronously
invoked function an on-failure destination: a dead-letter queue after two retries.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from infra.handlers import HANDLERS, INTERNAL_QUEUES, HandlerSpec, queue_name

TargetMode = Literal["lambda", "sqs"]
RETENTION_14_DAYS = 1209600
LOG_RETENTION_DAYS = 30
ASYNC_RETRIES = 2  # Lambda's retries of a failed asynchronous invocation, then the destination
APP_NAME = "quartermaster"  # .chalice/config.json app_name: Chalice names functions after it
API_HANDLER = "api_handler"  # Chalice's name for the REST API's function


def logical_id(name: str) -> str:
    """CloudFormation logical ids are alphanumeric: `get-sli` -> `GetSli`."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]", name) if part)


def function_name(stage: str, name: str) -> str:
    """The physical name `chalice deploy` gives a function; the packaged template sets the same."""
    if name == API_HANDLER:
        return f"{APP_NAME}-{stage}"
    return f"{APP_NAME}-{stage}-{name}"


def function_id(name: str) -> str:
    """The logical id `chalice package` gives a function (`task-events` -> `TaskEvents`)."""
    return "APIHandler" if name == API_HANDLER else logical_id(name)


def log_group_name(stage: str, name: str) -> str:
    return f"/aws/lambda/{function_name(stage, name)}"


def is_asynchronous(spec: HandlerSpec) -> bool:
    """Invoked asynchronously (by a bus rule or a schedule), so Lambda retries and then hands
    the event to an on-failure destination; queue-fed handlers are polled synchronously."""
    return spec.pattern is not None or spec.schedule_seconds is not None


def failure_queue_name(stage: str, name: str) -> str:
    """Where an asynchronous handler's events go after its retries failed."""
    return f"{queue_name(stage, name)}-failed"


def _queue(name: str, visibility_s: int) -> dict[str, Any]:
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


def internal_queues(stage: str) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for queue in INTERNAL_QUEUES:
        resources.update(_queue(queue_name(stage, queue), visibility_s=180))
    return resources


def _invoke_permission(function_id: str, principal: str, source_arn: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": function_id},
            "Principal": principal,
            "SourceArn": source_arn,
        },
    }


def _bus_rule(spec: HandlerSpec, stage: str, bus: str, mode: TargetMode) -> dict[str, Any]:
    rule_id = f"{logical_id(spec.name)}Rule"
    resources: dict[str, Any] = {}
    if mode == "sqs":
        own_queue = queue_name(stage, spec.name)
        resources.update(_queue(own_queue, visibility_s=spec.timeout_s * 6))
        target_arn: Any = {"Fn::GetAtt": [f"{logical_id(own_queue)}Queue", "Arn"]}
    else:
        function_id = logical_id(spec.name)
        target_arn = {"Fn::GetAtt": [function_id, "Arn"]}
        resources[f"{function_id}InvokePermission"] = _invoke_permission(
            function_id, "events.amazonaws.com", {"Fn::GetAtt": [rule_id, "Arn"]}
        )
    resources[rule_id] = {
        "Type": "AWS::Events::Rule",
        "DependsOn": ["EventBus"],
        "Properties": {
            "Name": f"{bus}-{spec.name}",
            "Description": spec.description,
            # A literal bus name, not a Ref: moto's CloudFormation cannot resolve a Ref here.
            "EventBusName": bus,
            "EventPattern": spec.pattern,
            "State": "ENABLED",
            "Targets": [{"Id": spec.name, "Arn": target_arn}],
        },
    }
    return resources


def _queue_source(spec: HandlerSpec, stage: str) -> dict[str, Any]:
    assert spec.queue is not None
    queue_id = f"{logical_id(queue_name(stage, spec.queue))}Queue"
    return {
        f"{logical_id(spec.name)}QueueSource": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "FunctionName": {"Ref": logical_id(spec.name)},
                "EventSourceArn": {"Fn::GetAtt": [queue_id, "Arn"]},
                "BatchSize": 1,
                # At most as many pollers as the function may run: more would be throttled and
                # push messages toward the dead-letter queue for nothing.
                "ScalingConfig": {"MaximumConcurrency": max(2, spec.reserved_concurrency)},
            },
        }
    }


def _schedule(spec: HandlerSpec, bus: str) -> dict[str, Any]:
    assert spec.schedule_seconds is not None
    function_id = logical_id(spec.name)
    rule_id = f"{function_id}Schedule"
    minutes = max(1, spec.schedule_seconds // 60)
    return {
        rule_id: {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Name": f"{bus}-{spec.name}-schedule",
                "Description": spec.description,
                "ScheduleExpression": f"rate({minutes} minute{'s' if minutes > 1 else ''})",
                "State": "ENABLED",
                "Targets": [{"Id": spec.name, "Arn": {"Fn::GetAtt": [function_id, "Arn"]}}],
            },
        },
        f"{function_id}SchedulePermission": _invoke_permission(
            function_id, "events.amazonaws.com", {"Fn::GetAtt": [rule_id, "Arn"]}
        ),
    }


def _on_failure(spec: HandlerSpec, stage: str) -> dict[str, Any]:
    """Two retries, then the event goes to the handler's dead-letter queue (with the error)."""
    function = function_id(spec.name)
    queue_id = f"{function}Failures"
    return {
        queue_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": failure_queue_name(stage, spec.name),
                "MessageRetentionPeriod": RETENTION_14_DAYS,
                "SqsManagedSseEnabled": True,
            },
        },
        f"{function}InvokeConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": function},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": ASYNC_RETRIES,
                "DestinationConfig": {
                    "OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}
                },
            },
        },
    }


def function_settings(stage: str, names: list[str]) -> dict[str, Any]:
    """`lambda` mode: per function, a log group with a retention, created before the function
    (so Lambda never creates one without retention), and the function's physical name."""
    resources: dict[str, Any] = {}
    for name in names:
        function = function_id(name)
        resources[f"{function}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": log_group_name(stage, name),
                "RetentionInDays": LOG_RETENTION_DAYS,
            },
        }
        # Merged into the resource `chalice package` generates (its Type and the rest stay).
        resources[function] = {
            "DependsOn": [f"{function}LogGroup"],
            "Properties": {"FunctionName": function_name(stage, name)},
        }
    for spec in HANDLERS:
        if is_asynchronous(spec):
            resources.update(_on_failure(spec, stage))
    return resources


def handler_triggers(stage: str, bus: str, mode: TargetMode) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for spec in HANDLERS:
        if spec.pattern is not None:
            resources.update(_bus_rule(spec, stage, bus, mode))
        elif spec.queue is not None and mode == "lambda":
            resources.update(_queue_source(spec, stage))
        elif spec.schedule_seconds is not None and mode == "lambda":
            resources.update(_schedule(spec, bus))
    return resources


def states_role(role_name: str, stage: str) -> dict[str, Any]:
    """The role state machines run as: they may only write to the internal queues."""
    queue_arns = [
        {"Fn::GetAtt": [f"{logical_id(queue_name(stage, queue))}Queue", "Arn"]}
        for queue in INTERNAL_QUEUES
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
