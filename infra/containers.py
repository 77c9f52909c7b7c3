"""What container tasks (a uniform's `image` executors) run with: the role of the state machine
that runs them, the role ECS pulls images and writes logs with, and their log group.

The container's own role (what the code in it may call) is the user's: a role named
`quartermaster-<stage>-task-<anything>`, named in the QM_TASK_ROLE setting; the functions and
the machine may pass no other (docs/uniform.md).
"""

from __future__ import annotations

from typing import Any

from infra.naming import LOG_RETENTION_DAYS, arn_of


def _trust(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


def _role(name: str, service: str, statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": name,
            "AssumeRolePolicyDocument": _trust(service),
            "Policies": [
                {
                    "PolicyName": "container-tasks",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


def _account_role(name: str) -> str:
    return "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + name


def task_log_group(stage: str) -> str:
    return f"/quartermaster/{stage}/tasks"


def container_resources(stage: str, bus: str) -> dict[str, Any]:
    prefix = f"quartermaster-{stage}"
    log_group = task_log_group(stage)
    machine_role = _role(
        f"{prefix}-container-tasks",
        "states.amazonaws.com",
        [
            {
                "Effect": "Allow",
                "Action": "ecs:RunTask",
                "Resource": arn_of("ecs", f"task-definition/qm-{stage}-task-*"),
            },
            {
                # Task ARNs name the cluster, which is a setting: any task of the account.
                "Effect": "Allow",
                "Action": ["ecs:DescribeTasks", "ecs:StopTask"],
                "Resource": arn_of("ecs", "task/*"),
            },
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": {"Fn::Sub": _account_role(f"{prefix}-task-*")},
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            },
            {
                "Effect": "Allow",
                "Action": "events:PutEvents",
                "Resource": arn_of("events", f"event-bus/{bus}"),
            },
        ],
    )
    execution_role = _role(
        f"{prefix}-task-execution",
        "ecs-tasks.amazonaws.com",
        [
            # Pulling from the account's ECR: the token has no resource, the images are the
            # user's repositories (public registries need neither).
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": arn_of("ecr", "repository/*"),
            },
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": arn_of("logs", f"log-group:{log_group}:*"),
            },
        ],
    )
    return {
        "ContainerTasksRole": machine_role,
        "TaskExecutionRole": execution_role,
        "TaskLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": log_group, "RetentionInDays": LOG_RETENTION_DAYS},
        },
    }
