"""The uniform: which tool (service) handles which Keptn events, with label selectors, and the
executor that carries them out (chalicelib/domain/executors.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from chalicelib.domain.docmodel import (
    ConfigModel,
    EntityName,
    Loc,
    LocatedError,
    Metadata,
    NonEmptyStr,
    NotNull,
    unique_items,
)
from chalicelib.domain.executors import (
    DEFAULT_MAX_RUN,
    FIELD_KINDS,
    KINDS_SAID,
    REQUIRED,
    TARGET_KEYS,
    Executor,
    ExecutorKind,
    bus_problem,
    fargate_problem,
    function_problem,
    hook_problem,
    image_problem,
    max_run_seconds,
    path_problem,
    role_problem,
)

TASK_EVENT_KINDS = ("triggered", "started", "status.changed", "finished", "invalidated")
SEQUENCE_EVENT_KINDS = ("triggered", "finished")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EVENT_GRAMMAR = (
    "must be sh.keptn.event.<task>.<triggered|started|status.changed|finished|invalidated>, "
    "sh.keptn.event.<stage>.<sequence>.<triggered|finished> or sh.keptn.event.approval.waiting"
)
# Notifications outside Keptn's task grammar that Quartermaster sends (docs/approvals.md).
NOTIFICATIONS = ("sh.keptn.event.approval.waiting",)


def _event_type(value: str) -> str:
    if not value.startswith("sh.keptn."):
        raise ValueError(
            "must be a Keptn event type starting with 'sh.keptn.', "
            "e.g. sh.keptn.event.deployment.triggered"
        )
    parts = value.split(".")
    if not all(parts):
        raise ValueError("must not contain an empty segment ('..' or a '.' at the end)")
    if not value.startswith("sh.keptn.event.") or value in NOTIFICATIONS:
        return value  # other Keptn families, e.g. sh.keptn.log.error
    rest = parts[3:]
    is_task = len(rest) >= 2 and ".".join(rest[1:]) in TASK_EVENT_KINDS
    is_sequence = len(rest) == 3 and rest[2] in SEQUENCE_EVENT_KINDS
    if not (is_task or is_sequence):
        raise ValueError(_EVENT_GRAMMAR)
    return value


EventType = Annotated[str, AfterValidator(_event_type)]


class Requirement(ConfigModel):
    """One `matchExpressions` entry, with Kubernetes label-selector semantics."""

    key: NonEmptyStr
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: Annotated[list[str] | None, NotNull] = None

    @model_validator(mode="after")
    def _values_fit_operator(self) -> Requirement:
        if self.operator in ("In", "NotIn") and not self.values:
            raise LocatedError(
                [(("values",), f"operator {self.operator} needs a non-empty list of values")]
            )
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise LocatedError(
                [(("values",), f"operator {self.operator} takes no values; remove them")]
            )
        return self

    def holds(self, labels: Mapping[str, str]) -> bool:
        """Whether the labels satisfy this requirement."""
        present = self.key in labels
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        inside = present and labels[self.key] in (self.values or [])
        return inside if self.operator == "In" else not inside


class EventSelector(ConfigModel):
    """Which events of the subscribed type the service wants; all conditions must hold."""

    match_labels: dict[str, str] = Field(default_factory=dict, alias="matchLabels")
    match_expressions: list[Requirement] = Field(default_factory=list, alias="matchExpressions")


def matches(selector: EventSelector | None, labels: Mapping[str, str]) -> bool:
    """Whether an event with these labels is selected; no selector (or an empty one) selects all."""
    if selector is None:
        return True
    if any(labels.get(key) != value for key, value in selector.match_labels.items()):
        return False
    return all(requirement.holds(labels) for requirement in selector.match_expressions)


def event_labels(data: Mapping[str, Any]) -> dict[str, str]:
    """What a selector is matched against: the event's `data.labels`, plus its project, stage
    and service (which win over labels of the same name, so a label cannot fake the stage)."""
    labels = data.get("labels")
    result = {
        str(key): value
        for key, value in (labels.items() if isinstance(labels, Mapping) else [])
        if isinstance(value, str)
    }
    for key in ("project", "stage", "service"):
        value = data.get(key)
        if isinstance(value, str):
            result[key] = value
    return result


class UniformEvent(ConfigModel):
    """`events[]`: an event type the service receives, optionally narrowed by a selector."""

    name: EventType
    selector: Annotated[EventSelector | None, NotNull] = None


def _checked(problem: Any) -> Any:
    """An AfterValidator from a `value -> problem or None` check."""

    def check(value: str) -> str:
        message = problem(value)
        if message:
            raise ValueError(message)
        return value

    return AfterValidator(check)


def _max_run(value: str) -> str:
    max_run_seconds(value)
    return value


Kind = Literal["image", "lambda", "webhook", "bus", "http-poll", "process"]
OptionalText = Annotated[str | None, NotNull]


class UniformService(ConfigModel):
    """One integration: the events it handles and the executor that handles them."""

    name: EntityName
    kind: Annotated[Kind | None, NotNull] = None
    image: Annotated[str | None, NotNull, _checked(image_problem)] = None
    command: Annotated[list[NonEmptyStr] | None, NotNull] = None
    args: Annotated[list[str] | None, NotNull] = None
    max_run_time: Annotated[str | None, NotNull, AfterValidator(_max_run)] = Field(
        default=None, alias="maxRunTime"
    )
    cpu: Annotated[int | None, NotNull] = None
    memory: Annotated[int | None, NotNull] = None
    function: Annotated[str | None, NotNull, _checked(function_problem)] = None
    hook: Annotated[str | None, NotNull, _checked(hook_problem)] = None
    bus: Annotated[str | None, NotNull, _checked(bus_problem)] = None
    role_arn: Annotated[str | None, NotNull, _checked(role_problem)] = Field(
        default=None, alias="roleArn"
    )
    events: list[UniformEvent] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    env_from_event: dict[str, Annotated[str, _checked(path_problem)]] = Field(
        default_factory=dict, alias="envFromEvent"
    )

    @field_validator("env", "env_from_event")
    @classmethod
    def _env_names(cls, env: dict[str, str]) -> dict[str, str]:
        problems: list[tuple[Loc, str]] = [
            ((name,), "an environment variable name must be letters, digits and '_'")
            for name in env
            if not _ENV_NAME.match(name)
        ]
        if problems:
            raise LocatedError(problems, show_value=False)
        return env

    @model_validator(mode="after")
    def _fits_kind(self) -> UniformService:
        kind = self.executor_kind
        targets = [key for key in TARGET_KEYS if self._given(key)]
        if kind is None and len(targets) > 1:
            raise LocatedError(
                [
                    (
                        (),
                        f"{' and '.join(repr(key) for key in targets)} each name an executor; a "
                        "service has one: keep one, or make a service for each",
                    )
                ]
            )
        if kind is None:
            raise LocatedError(
                [
                    (
                        (),
                        "say what carries out its events: image (a container), function "
                        "(a Lambda function), hook (an HTTP endpoint) or bus (an event bus "
                        f"ARN), or kind: {KINDS_SAID}",
                    )
                ]
            )
        problems: list[tuple[Loc, str]] = []
        for key, kinds in FIELD_KINDS.items():
            if self._given(key) and kind not in kinds:
                said = " or ".join(sorted(kinds))
                problems.append(((key,), f"'{key}' is for kind {said}, not kind {kind}"))
        required = REQUIRED.get(kind)
        if required and not self._given(required):
            problems.append(((), f"kind {kind} needs '{required}'"))
        if kind is ExecutorKind.IMAGE and not problems:
            problem = fargate_problem(self._cpu, self._memory)
            if problem:
                problems.append((("memory" if self.memory else "cpu",), problem))
        if problems:
            raise LocatedError(problems)
        return self

    def _given(self, key: str) -> bool:
        field = next(
            name for name, info in type(self).model_fields.items() if (info.alias or name) == key
        )
        value = getattr(self, field)
        return value is not None and value != {} and value != []

    @property
    def executor_kind(self) -> ExecutorKind | None:
        """The kind given, or the one its target key implies; None when neither is there."""
        if self.kind is not None:
            return ExecutorKind(self.kind)
        implied = [kind for key, kind in TARGET_KEYS.items() if self._given(key)]
        return implied[0] if len(implied) == 1 else None

    @property
    def _cpu(self) -> int:
        return self.cpu if self.cpu is not None else 256

    @property
    def _memory(self) -> int:
        return self.memory if self.memory is not None else 512

    def executor(self) -> Executor:
        kind = self.executor_kind
        assert kind is not None  # the validator refused a service without one
        return Executor(
            kind=kind,
            image=self.image,
            command=tuple(self.command or ()),
            args=tuple(self.args or ()),
            max_run_seconds=max_run_seconds(self.max_run_time or DEFAULT_MAX_RUN),
            cpu=self._cpu,
            memory=self._memory,
            env=tuple(sorted(self.env.items())),
            env_from_event=tuple(sorted(self.env_from_event.items())),
            function=self.function,
            hook=self.hook,
            bus=self.bus,
            role_arn=self.role_arn,
        )

    def handles(self, event_type: str, labels: Mapping[str, str]) -> bool:
        """Whether this service subscribes to the event type and its selector matches."""
        return any(sub.name == event_type and matches(sub.selector, labels) for sub in self.events)


class UniformSpec(ConfigModel):
    """`spec` of a uniform."""

    services: list[UniformService] = Field(min_length=1)

    @field_validator("services", mode="wrap")
    @classmethod
    def _unique_names(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return unique_items(
            value,
            handler,
            "name",
            lambda name, first: f"service name '{name}' is already used by services[{first}]",
        )


class Uniform(ConfigModel):
    """A uniform file: the set of integrations serving a project's tasks."""

    version: NonEmptyStr
    kind: Literal["Uniform"]
    metadata: Metadata
    spec: UniformSpec

    def subscribers(self, event_type: str, labels: Mapping[str, str]) -> list[UniformService]:
        """The services that receive an event of this type with these labels, in file order."""
        return [service for service in self.spec.services if service.handles(event_type, labels)]
