"""Base model, name types and located errors shared by the configuration-file models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
)
from pydantic_core import InitErrorDetails

from chalicelib.domain.names import entity_name_problem

Loc = tuple[str | int, ...]

DOT_RULE = (
    "must not contain '.': names are segments of event types "
    "(sh.keptn.event.<stage>.<sequence>.triggered)"
)


class ConfigModel(BaseModel):
    """A configuration-file object: Keptn's key names, no unknown keys, immutable once read.

    Keys are read by their Keptn spelling only (the aliases), so a snake_case key in a user's
    file is reported as unknown instead of being silently accepted.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
    )


class LocatedError(ValueError):
    """Raised by a model validator to report problems at paths below the model being validated.

    pydantic can only place a validator's error at the model itself; yamldoc reads `problems`
    to point each message at the exact node (and line) it is about.
    """

    def __init__(self, problems: list[tuple[Loc, str]], show_value: bool = True) -> None:
        self.problems = problems
        # False when the messages are about keys: the value under the key would only confuse.
        self.show_value = show_value
        super().__init__("; ".join(_plain(loc, message) for loc, message in problems))


def refuse_duplicates(values: list[Any], field: str, message: Callable[[str, int], str]) -> None:
    """Raise a LocatedError at `[index].field` for every value already seen at an earlier
    index; `message(value, first_index)` says what clashes. Values that are not text (absent
    or wrongly typed, reported elsewhere) are skipped."""
    first: dict[str, int] = {}
    problems: list[tuple[Loc, str]] = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            continue
        if value in first:
            problems.append(((index, field), message(value, first[value])))
        else:
            first[value] = index
    if problems:
        raise LocatedError(problems)


def unique_items(
    value: Any,
    handler: ValidatorFunctionWrapHandler,
    field: str,
    message: Callable[[str, int], str],
) -> Any:
    """Body of a wrap validator on a list: validate it and refuse repeated `field` values.

    Duplicates are looked for in the raw items, so they are reported together with any error
    inside the list instead of only once every item is valid (an after-validator would not run).
    """
    names = (
        [item.get(field) if isinstance(item, dict) else None for item in value]
        if isinstance(value, list)
        else []
    )
    try:
        refuse_duplicates(names, field, message)
    except LocatedError as duplicates:
        try:
            handler(value)
        except ValidationError as exc:
            # Re-raised as one ValidationError so pydantic keeps every error at its own place.
            details = [cast(InitErrorDetails, error) for error in exc.errors(include_url=False)]
            extra = InitErrorDetails(
                type="value_error", loc=(), input=value, ctx={"error": duplicates}
            )
            raise ValidationError.from_exception_data(exc.title, [*details, extra]) from None
        raise
    return handler(value)


def _plain(loc: Loc, message: str) -> str:
    if not loc:
        return message
    return f"{format_path(loc)}: {message}"


def format_path(loc: Loc) -> str:
    """`('spec', 'stages', 1, 'name')` -> `spec.stages[1].name`; odd keys are bracket-quoted."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and all(ch.isalnum() or ch in "_-$" for ch in part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


def _entity_name(value: str) -> str:
    if "." in value:
        raise ValueError(DOT_RULE)
    problem = entity_name_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _segment(value: str, dot_rule: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if "." in value:
        raise ValueError(dot_rule)
    if any(ch.isspace() for ch in value):
        raise ValueError("must not contain spaces: it becomes part of event types")
    return value


def _no_dots(value: str) -> str:
    return _segment(value, DOT_RULE.replace("<stage>.<sequence>", "<task>"))


def _sequence_segment(value: str) -> str:
    return _segment(value, DOT_RULE)


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


EntityName = Annotated[str, AfterValidator(_entity_name)]
"""A stage, sequence or service name: Keptn's entity-name rule, which also excludes dots."""

TaskName = Annotated[str, AfterValidator(_no_dots)]
"""A task name: Keptn allows any string, but it is an event-type segment, so no dots or spaces."""

SequenceName = Annotated[str, AfterValidator(_sequence_segment)]
"""A sequence name: like a task name, an event-type segment (Keptn does not validate more)."""

NonEmptyStr = Annotated[str, AfterValidator(_non_empty)]
"""A string that must contain something other than whitespace."""


def _reject_null(value: object) -> object:
    if value is None:
        raise ValueError("must not be empty: give it a value or remove the key")
    return value


NotNull = BeforeValidator(_reject_null)
"""For optional keys: leaving the key out is fine, writing it with no value is an error."""


class Metadata(ConfigModel):
    """`metadata` of a Keptn document: only the name."""

    name: str
