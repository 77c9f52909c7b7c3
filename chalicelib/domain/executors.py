"""Executors: what carries out the events a subscription receives, kind by kind.

A uniform service and a registered integration's subscription both name one executor: a
container image (run on ECS Fargate), a user's Lambda function, the webhook executor, another
event bus, a tool that polls the API, or (local runtime only) a command on the local machine.
This module holds the kinds, the fields each kind takes and the checks of their values.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.durations import parse_go_duration


class ExecutorKind(StrEnum):
    IMAGE = "image"
    LAMBDA = "lambda"
    WEBHOOK = "webhook"
    BUS = "bus"
    HTTP_POLL = "http-poll"
    PROCESS = "process"


KINDS_SAID = "image, lambda, webhook, bus, http-poll or process"

# The key that names a kind's target, so `kind:` can be left out when it is given.
TARGET_KEYS: dict[str, ExecutorKind] = {
    "image": ExecutorKind.IMAGE,
    "function": ExecutorKind.LAMBDA,
    "hook": ExecutorKind.WEBHOOK,
    "bus": ExecutorKind.BUS,
}
# Which kinds take each executor field (uniform keys).
FIELD_KINDS: dict[str, frozenset[ExecutorKind]] = {
    "image": frozenset({ExecutorKind.IMAGE}),
    "command": frozenset({ExecutorKind.IMAGE, ExecutorKind.PROCESS}),
    "args": frozenset({ExecutorKind.IMAGE, ExecutorKind.PROCESS}),
    "maxRunTime": frozenset({ExecutorKind.IMAGE, ExecutorKind.PROCESS}),
    "cpu": frozenset({ExecutorKind.IMAGE}),
    "memory": frozenset({ExecutorKind.IMAGE}),
    "env": frozenset({ExecutorKind.IMAGE, ExecutorKind.PROCESS}),
    "envFromEvent": frozenset({ExecutorKind.IMAGE, ExecutorKind.PROCESS}),
    "function": frozenset({ExecutorKind.LAMBDA}),
    "hook": frozenset({ExecutorKind.WEBHOOK}),
    "bus": frozenset({ExecutorKind.BUS}),
    "roleArn": frozenset({ExecutorKind.BUS}),
}
REQUIRED: dict[ExecutorKind, str] = {
    ExecutorKind.IMAGE: "image",
    ExecutorKind.LAMBDA: "function",
    ExecutorKind.BUS: "bus",
    ExecutorKind.PROCESS: "command",
}

DEFAULT_MAX_RUN = "15m"
MAX_RUN_SECONDS = 24 * 3600
# Fargate's CPU units and the memory (MiB) each allows: (lowest, highest, step).
FARGATE_MEMORY: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}
DEFAULT_CPU, DEFAULT_MEMORY = 256, 512

_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$")
_FUNCTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}"
    r"(:[A-Za-z0-9_$-]{1,128})?$"
)
_BUS_ARN = re.compile(r"^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus/[A-Za-z0-9._/-]{1,256}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
# The JSONPath subset Keptn's job-executor users write: $, .name, ['name'], [index].
_PATH_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\['([^'\]]+)'\]|\[(\d+)\]")


def function_problem(value: str) -> str | None:
    if _FUNCTION_NAME.match(value) or _FUNCTION_ARN.match(value):
        return None
    return (
        "must be a Lambda function name (my-function, optionally :alias) or its ARN "
        "(arn:aws:lambda:<region>:<account>:function:<name>)"
    )


def bus_problem(value: str) -> str | None:
    if _BUS_ARN.match(value):
        return None
    return "must be an event bus ARN: arn:aws:events:<region>:<account>:event-bus/<name>"


def role_problem(value: str) -> str | None:
    if _ROLE_ARN.match(value):
        return None
    return "must be an IAM role ARN: arn:aws:iam::<account>:role/<name>"


def hook_problem(value: str) -> str | None:
    if not value.startswith(("https://", "http://")) or len(value.split("://", 1)[1]) == 0:
        return "must be an http(s) URL, e.g. https://ci.example.com/hooks/test"
    if any(ch.isspace() for ch in value):
        return "must not contain spaces"
    return None


def image_problem(value: str) -> str | None:
    if not value.strip() or any(ch.isspace() for ch in value):
        return "must be a container image reference without spaces, e.g. ghcr.io/acme/tests:1.2"
    return None


def path_steps(path: str) -> list[str | int] | None:
    """The steps of a job-executor JSONPath (`$.data.deployment.uris[0]`), or None when it is
    not one."""
    if not path.startswith("$"):
        return None
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        found = _PATH_STEP.match(path, position)
        if found is None:
            return None
        name, quoted, index = found.groups()
        steps.append(int(index) if index is not None else (name or quoted))
        position = found.end()
    return steps


def path_problem(value: str) -> str | None:
    if path_steps(value) is None:
        return (
            "must be a JSONPath into the event: $ (the whole event), $.data.project, "
            "$.data.deployment.deploymentURIsLocal[0] or $.data['key-with-dash']"
        )
    return None


def max_run_seconds(value: str) -> int:
    """Seconds of a `maxRunTime` (a Go duration between 1 s and 24 h); ValueError otherwise."""
    seconds = parse_go_duration(value)
    if seconds < 1 or seconds > MAX_RUN_SECONDS:
        raise ValueError(f"'{value}' must be between 1s and 24h")
    return int(seconds)


def fargate_problem(cpu: int, memory: int) -> str | None:
    allowed = FARGATE_MEMORY.get(cpu)
    if allowed is None:
        return f"cpu {cpu} is not a Fargate size; use one of {', '.join(map(str, FARGATE_MEMORY))}"
    low, high, step = allowed
    if memory < low or memory > high or (memory - low) % step:
        return (
            f"memory {memory} does not fit cpu {cpu} on Fargate: use {low} to {high} MiB "
            f"in steps of {step}"
        )
    return None


class Executor(BaseModel):
    """One executor, as subscriptions carry it (whichever way they came in)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ExecutorKind
    image: str | None = None
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    max_run_seconds: int = 15 * 60
    cpu: int = DEFAULT_CPU
    memory: int = DEFAULT_MEMORY
    env: tuple[tuple[str, str], ...] = ()
    env_from_event: tuple[tuple[str, str], ...] = ()
    function: str | None = None
    hook: str | None = None
    bus: str | None = None
    role_arn: str | None = None

    @property
    def delivered(self) -> bool:
        """Whether a rule of its own delivers its events: not for a tool that polls, nor for
        kind webhook without a hook (the webhook.yaml entries, which get every event)."""
        if self.kind is ExecutorKind.HTTP_POLL:
            return False
        return not self.webhook_files

    @property
    def webhook_files(self) -> bool:
        """Kind webhook without a hook: the webhook.yaml entries of the event's service, stage
        or project carry out its events (they choose their events themselves)."""
        return self.kind is ExecutorKind.WEBHOOK and not self.hook

    @property
    def target(self) -> str:
        """What it runs or calls, in a few words (for listings)."""
        if self.kind is ExecutorKind.IMAGE:
            return str(self.image)
        if self.kind is ExecutorKind.PROCESS:
            return " ".join((*self.command, *self.args))
        if self.kind is ExecutorKind.LAMBDA:
            return str(self.function)
        if self.kind is ExecutorKind.BUS:
            return str(self.bus)
        if self.kind is ExecutorKind.WEBHOOK:
            return self.hook or "webhook.yaml of the event's scope"
        return "polls GET /v1/event/triggered/{type}"
