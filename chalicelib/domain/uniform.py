"""The uniform: which tool (service) handles which Keptn events, with label selectors."""

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

TASK_EVENT_KINDS = ("triggered", "started", "status.changed", "finished", "invalidated")
SEQUENCE_EVENT_KINDS = ("triggered", "finished")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EVENT_GRAMMAR = (
    "must be sh.keptn.event.<task>.<triggered|started|status.changed|finished|invalidated> "
    "or sh.keptn.event.<stage>.<sequence>.<triggered|finished>"
)


def _event_type(value: str) -> str:
    if not value.startswith("sh.keptn."):
        raise ValueError(
            "must be a Keptn event type starting with 'sh.keptn.', "
            "e.g. sh.keptn.event.deployment.triggered"
        )
    parts = value.split(".")
    if not all(parts):
        raise ValueError("must not contain an empty segment ('..' or a '.' at the end)")
    if not value.startswith("sh.keptn.event."):
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


class Subscription(ConfigModel):
    """`events[]`: an event type the service receives, optionally narrowed by a selector."""

    name: EventType
    selector: Annotated[EventSelector | None, NotNull] = None


class UniformService(ConfigModel):
    """One integration: its container image, the events it handles and its environment."""

    name: EntityName
    image: NonEmptyStr
    events: list[Subscription] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("env")
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
