"""Container tasks (uniform kind `image`): the ECS task definition of an executor, the container
environment Keptn's job-executor would give, and the state machine that runs one task.

The machine runs RunTask, then polls DescribeTasks every `pollSeconds` until the task stopped:
exit code 0 is `pass`, any other `fail`, no exit code (the image could not be pulled, the task
could not be placed) `fail`/`errored` with ECS's reason. After `maxRunTime` it stops the task
itself and reports `errored`. (`ecs:runTask.sync` would wait for the task too, but when its state
times out it leaves no task ARN to stop the container with; the loop always has it.) Each
outcome is one `<task>.finished` put on the bus, with a link to the container's log stream.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalicelib.domain.executors import Executor, path_steps

CONTAINER = "task"  # the container's name in every task definition
MAX_OVERRIDES_BYTES = 8192  # ECS's limit on a RunTask's container overrides
CONTAINERS_UNAVAILABLE = (
    "container tasks run on ECS Fargate and this deployment has no ECS cluster configured "
    "(QM_TASK_CLUSTER); the local runtime cannot run containers at all. Its tasks end errored "
    "saying so. To run it, deploy to AWS with QM_TASK_CLUSTER, QM_TASK_SUBNETS and "
    "QM_TASK_SECURITY_GROUPS set (docs/uniform.md, Container tasks), or use kind process "
    "to run a command on the local runtime's machine"
)
ECS_RETRY = [
    {
        "ErrorEquals": ["Ecs.ThrottlingException", "Ecs.ServerException", "Ecs.EcsException"],
        "IntervalSeconds": 2,
        "MaxAttempts": 4,
        "BackoffRate": 2.0,
    }
]


@dataclass(frozen=True)
class ContainerRuntime:
    """Where container tasks run (from settings): the cluster, its network, roles, logs."""

    cluster: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    public_ip: bool
    execution_role_arn: str
    task_role_arn: str | None
    log_group: str
    region: str
    poll_seconds: int


def task_family(stage: str, executor: Executor) -> str:
    """A task definition family named after what it runs, so an unchanged executor reuses it
    and a changed one gets a family of its own (no revision is ever overwritten)."""
    content = json.dumps(
        [executor.image, executor.command, executor.args, executor.cpu, executor.memory],
        separators=(",", ":"),
    )
    return f"qm-{stage}-task-{hashlib.sha256(content.encode()).hexdigest()[:16]}"


def task_definition(
    family: str, executor: Executor, owner: str, runtime: ContainerRuntime
) -> dict[str, Any]:
    """RegisterTaskDefinition's arguments. As Kubernetes (and the job-executor) has them, the
    uniform's `command` replaces the image's entry point and `args` its command."""
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": executor.image,
        "essential": True,
        "memory": executor.memory,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": runtime.log_group,
                "awslogs-region": runtime.region,
                "awslogs-stream-prefix": owner,
            },
        },
    }
    if executor.command:
        container["entryPoint"] = list(executor.command)
    if executor.args:
        container["command"] = list(executor.args)
    definition: dict[str, Any] = {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": str(executor.cpu),
        "memory": str(executor.memory),
        "executionRoleArn": runtime.execution_role_arn,
        "containerDefinitions": [container],
    }
    if runtime.task_role_arn:
        definition["taskRoleArn"] = runtime.task_role_arn
    return definition


class EventPathMissing(ValueError):
    """An `envFromEvent` path names nothing in the event."""


def event_value(event: dict[str, Any], path: str) -> str:
    """An `envFromEvent` value as the job-executor renders it: objects and lists as JSON,
    anything else as text."""
    value: Any = event
    for step in path_steps(path) or []:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            raise EventPathMissing(f"{path} is not in the event") from None
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def job_environment(executor: Executor, event: dict[str, Any]) -> list[tuple[str, str]]:
    """The container's environment: KEPTN_PROJECT, KEPTN_STAGE and KEPTN_SERVICE (always, as
    the job-executor sets them), the uniform's `env`, and its `envFromEvent` paths."""
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    assert isinstance(data, dict)
    fixed = [
        (f"KEPTN_{key.upper()}", str(data.get(key) or ""))
        for key in ("project", "stage", "service")
    ]
    from_event = [(name, event_value(event, path)) for name, path in executor.env_from_event]
    return [*fixed, *executor.env, *from_event]


def overrides_size(environment: list[tuple[str, str]]) -> int:
    overrides = {
        "containerOverrides": [
            {"name": CONTAINER, "environment": [{"name": n, "value": v} for n, v in environment]}
        ]
    }
    return len(json.dumps(overrides, separators=(",", ":")).encode())


def logs_link(runtime: ContainerRuntime, owner: str) -> str:
    """The console link of a task's log stream, but for the task id the machine appends
    (`<prefix>/<container>/<task id>`, `/` written as the console writes it)."""
    group = quote(runtime.log_group, safe="").replace("%", "$25")
    stream = quote(f"{owner}/{CONTAINER}/", safe="").replace("%", "$25")
    return (
        f"https://{runtime.region}.console.aws.amazon.com/cloudwatch/home?region="
        f"{runtime.region}#logsV2:log-groups/log-group/{group}/log-events/{stream}"
    )


def max_polls(executor: Executor, runtime: ContainerRuntime) -> int:
    return max(1, math.ceil(executor.max_run_seconds / runtime.poll_seconds))


def said_duration(seconds: int) -> str:
    """900 -> 15m, 5400 -> 1h30m, 90 -> 1m30s (for messages)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "m"), (secs, "s")]
    return "".join(f"{value}{unit}" for value, unit in parts if value) or "0s"


def run_input(
    *,
    executor: Executor,
    owner: str,
    family: str,
    runtime: ContainerRuntime,
    environment: list[tuple[str, str]],
    bus: str,
    scope: dict[str, Any],
    answer: dict[str, Any] | None,
) -> dict[str, Any]:
    """The container machine's `run`: what to start where, how long to wait, what to report.
    `answer` is the `.finished` event to complete (its envelope), None when the event is not
    a task to answer (then the container just runs)."""
    run: dict[str, Any] = {
        "cluster": runtime.cluster,
        "taskDefinition": family,
        "subnets": list(runtime.subnets),
        "securityGroups": list(runtime.security_groups),
        "assignPublicIp": "ENABLED" if runtime.public_ip else "DISABLED",
        "environment": [{"Name": name, "Value": value} for name, value in environment],
        "pollSeconds": runtime.poll_seconds,
        "maxPolls": max_polls(executor, runtime),
        "maxRunTime": said_duration(executor.max_run_seconds),
        "image": executor.image,
        "logs": logs_link(runtime, owner),
        "bus": bus,
        "scope": scope,
    }
    if answer is not None:
        run["answer"] = answer
    return run
