"""The shipyard (`spec.keptn.sh/0.2.x`): stages, sequences, tasks and triggers, validated."""

from __future__ import annotations

import re
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
    Metadata,
    NotNull,
    SequenceName,
    TaskName,
    unique_items,
)
from chalicelib.domain.durations import go_duration_problem, parse_go_duration
from chalicelib.errors import NotFound

API_PREFIX = "spec.keptn.sh/"
EVALUATION = "evaluation"
MIGRATE_HINT = (
    "migrate it to the 0.2.x format (apiVersion: spec.keptn.sh/0.2.3, kind: Shipyard, "
    "spec.stages[].sequences[].tasks[]); see docs/configuration-files.md"
)
PRE_02_FORMAT = (
    "this is the pre-0.2 shipyard format (Keptn 0.7 and older: top-level 'stages' with "
    "deployment_strategy/test_strategy), which is not supported; " + MIGRATE_HINT
)
# Keptn strips the prefix and parses the rest as (lenient) semver.
_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def _api_version(value: str) -> str:
    if not value.startswith(API_PREFIX):
        raise ValueError("must be spec.keptn.sh/<version>, e.g. spec.keptn.sh/0.2.3")
    match = _SEMVER.match(value[len(API_PREFIX) :])
    if match is None:
        raise ValueError("the version after spec.keptn.sh/ must be a semantic version, e.g. 0.2.3")
    if (int(match.group(1)), int(match.group(2) or 0)) < (0, 2):
        raise ValueError(
            "this is the pre-0.2 shipyard format, which is not supported; " + MIGRATE_HINT
        )
    return value


def _delay(value: str) -> str:
    problem = go_duration_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


class Selector(ConfigModel):
    """Which results of the finished sequence start the triggered one (reference 1.4)."""

    match: dict[str, str]


class Trigger(ConfigModel):
    """`triggeredOn[]`: start this sequence when `<stage>.<sequence>.finished` happens."""

    event: str
    selector: Annotated[Selector | None, NotNull] = None

    @field_validator("event")
    @classmethod
    def _short_form(cls, value: str) -> str:
        if value.startswith("sh.keptn.event."):
            raise ValueError(
                "use the short form <stage>.<sequence>.finished, without 'sh.keptn.event.'"
            )
        parts = value.split(".")
        if len(parts) != 3 or parts[2] != "finished" or not parts[0] or not parts[1]:
            raise ValueError("must be <stage>.<sequence>.finished, e.g. dev.delivery.finished")
        return value

    @property
    def stage(self) -> str:
        """The stage whose sequence's completion triggers."""
        return self.event.split(".")[0]

    @property
    def sequence(self) -> str:
        """The sequence whose completion triggers."""
        return self.event.split(".")[1]


class Task(ConfigModel):
    """One step of a sequence: `sh.keptn.event.<name>.triggered` is sent when it is reached."""

    name: TaskName
    triggered_after: Annotated[str | None, NotNull, AfterValidator(_delay)] = Field(
        default=None, alias="triggeredAfter"
    )
    properties: dict[str, Any] = Field(default_factory=dict)

    @property
    def delay_seconds(self) -> float:
        """Seconds to wait before the task's `.triggered` event is sent (0 when no delay)."""
        if self.triggered_after is None:
            return 0.0
        return parse_go_duration(self.triggered_after)


class Sequence(ConfigModel):
    """An ordered list of tasks run one after another in one stage for one service.

    Like Keptn, a sequence may be empty and its name need not be an entity name (only free of
    dots and spaces, since it is an event-type segment): both are valid in Keptn's schema, and
    an empty sequence is reported when it is triggered (reference 1.2, 3.8), not at creation.
    """

    name: SequenceName
    triggered_on: list[Trigger] = Field(default_factory=list, alias="triggeredOn")
    tasks: list[Task]


BUILTIN_EVALUATION = Sequence(name=EVALUATION, tasks=[Task(name=EVALUATION)])
"""What `<stage>.evaluation.triggered` runs in a stage that defines no `evaluation` (1.7)."""


class Stage(ConfigModel):
    """A stage and the sequences it offers."""

    name: EntityName
    # The schema requires `sequences`, but Keptn's own quality-gates example leaves it out.
    sequences: list[Sequence] = Field(default_factory=list)

    @field_validator("sequences", mode="wrap")
    @classmethod
    def _unique_sequences(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _unique_names(value, handler, "sequence")

    def sequence_names(self) -> list[str]:
        """Names of the sequences defined in this stage, in file order."""
        return [sequence.name for sequence in self.sequences]

    def find_sequence(self, name: str) -> Sequence | None:
        """The named sequence; `evaluation` falls back to the built-in one."""
        for sequence in self.sequences:
            if sequence.name == name:
                return sequence
        return BUILTIN_EVALUATION if name == EVALUATION else None


class ShipyardSpec(ConfigModel):
    """`spec` of a shipyard."""

    stages: list[Stage] = Field(min_length=1)

    @field_validator("stages", mode="wrap")
    @classmethod
    def _unique_stages(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _unique_names(value, handler, "stage")


def _unique_names(value: Any, handler: ValidatorFunctionWrapHandler, what: str) -> Any:
    return unique_items(
        value,
        handler,
        "name",
        lambda name, first: f"{what} name '{name}' is already used by {what}s[{first}]",
    )


class Shipyard(ConfigModel):
    """A project's shipyard: what happens in which stage, in which order."""

    api_version: Annotated[str, AfterValidator(_api_version)] = Field(alias="apiVersion")
    kind: Literal["Shipyard"]
    metadata: Metadata
    spec: ShipyardSpec

    @model_validator(mode="before")
    @classmethod
    def _refuse_pre_02(cls, data: Any) -> Any:
        if isinstance(data, dict) and "apiVersion" not in data and "stages" in data:
            raise ValueError(PRE_02_FORMAT)
        return data

    @property
    def stages(self) -> list[Stage]:
        """The stages in file order."""
        return self.spec.stages

    def stage_names(self) -> list[str]:
        """Names of all stages in file order."""
        return [stage.name for stage in self.spec.stages]

    def find_stage(self, name: str) -> Stage | None:
        """The named stage, or None."""
        return next((stage for stage in self.spec.stages if stage.name == name), None)

    def stage(self, name: str) -> Stage:
        """The named stage; NotFound naming the stages that exist otherwise."""
        stage = self.find_stage(name)
        if stage is None:
            raise NotFound(
                f"no stage with name '{name}' in the shipyard; "
                f"stages are: {', '.join(self.stage_names())}"
            )
        return stage

    def find_sequence(self, stage: str, sequence: str) -> Sequence | None:
        """The named sequence of a stage (the built-in `evaluation` included), or None."""
        found = self.find_stage(stage)
        return found.find_sequence(sequence) if found is not None else None

    def sequence(self, stage: str, sequence: str) -> Sequence:
        """The named sequence of a stage; NotFound naming what the stage offers otherwise."""
        found = self.stage(stage).find_sequence(sequence)
        if found is None:
            known = ", ".join([*self.stage(stage).sequence_names(), EVALUATION])
            raise NotFound(
                f"no task sequence with name '{sequence}' found in stage '{stage}'; "
                f"sequences are: {known}"
            )
        return found

    def triggered_by(self, stage: str, sequence: str) -> list[tuple[Stage, Sequence, Trigger]]:
        """Every (stage, sequence, trigger) listening for `<stage>.<sequence>.finished`.

        Selectors are not evaluated here: which results match is the sequencer's decision.
        """
        event = f"{stage}.{sequence}.finished"
        return [
            (candidate, follower, trigger)
            for candidate in self.spec.stages
            for follower in candidate.sequences
            for trigger in follower.triggered_on
            if trigger.event == event
        ]
