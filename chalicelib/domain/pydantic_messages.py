"""Turns pydantic validation errors into messages for people, each at a path of the document."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError
from pydantic_core import ErrorDetails

from chalicelib.domain.docmodel import Loc, LocatedError

Located = tuple[Loc, str, Any]
"""A path in the document, the message, and the offending value (shown when scalar)."""

# pydantic error type -> what the value must be (combined with "or" when a union fails).
_EXPECTED = {
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "none_required": "empty",
}


def translate(exc: ValidationError, data: Any, model: type[BaseModel]) -> list[Located]:
    """One located message per problem, in the order pydantic reports them."""
    located: list[Located] = []
    expected: dict[Loc, list[str]] = {}
    for error in exc.errors(include_url=False):
        path, missing = _data_path(data, error["loc"])
        value = _value_at(data, path)
        kind = error["type"]
        if kind in _EXPECTED:
            # A value failing a union fails once per member: gather them into one message.
            if path not in expected:
                expected[path] = []
                located.append((path, "", value))
            expected[path].append(_EXPECTED[kind])
        elif kind in ("value_error", "assertion_error"):
            located.extend(_from_validator(path, error, value))
        elif kind == "missing":
            field = f"field '{missing}'" if missing is not None else "a required field"
            located.append((path, f"{field} is required", None))
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            located.append(_union_tag(data, path, error))
        elif kind == "extra_forbidden":
            located.append((path, _unknown_field(model, error["loc"], path), None))
        else:
            located.append((path, _other(error), value))
    return [
        (path, message or _must_be(expected[path], value), value)
        for path, message, value in located
    ]


def _data_path(data: Any, loc: tuple[int | str, ...]) -> tuple[Loc, str | None]:
    """The part of pydantic's location that exists in the data, and a missing key at its end.

    pydantic's location also holds union member names and validator tags; they are skipped.
    """
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        in_dict = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            current = current[part]
            path.append(part)
        elif index == len(loc) - 1 and isinstance(part, str) and isinstance(current, dict):
            return tuple(path), part
    return tuple(path), None


def _union_tag(data: Any, path: Loc, error: ErrorDetails) -> Located:
    """A discriminated union (e.g. by apiVersion) whose key is missing or has no known value."""
    ctx = error.get("ctx") or {}
    names = re.findall(r"'([^']*)'", str(ctx.get("discriminator", "")))
    key = names[-1] if names else "kind"  # the alias, which is what users write
    if error["type"] == "union_tag_not_found":
        return (path, f"field '{key}' is required", None)
    expected = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
    wanted = (
        ", ".join(expected[:-1]) + " or " + expected[-1] if len(expected) > 1 else "".join(expected)
    )
    return ((*path, key), f"must be {wanted}", ctx.get("tag"))


def _value_at(data: Any, path: Loc) -> Any:
    current = data
    for part in path:
        current = current[part]
    return current


def _found(value: Any) -> str:
    if value is None:
        return "it is empty"
    if isinstance(value, bool):
        return "found true/false"
    if isinstance(value, int | float):
        return "found a number"
    if isinstance(value, str):
        return "found a string"
    if isinstance(value, list):
        return "found a list"
    return "found a mapping"


def _must_be(options: list[str], value: Any) -> str:
    unique = list(dict.fromkeys(options))
    wanted = unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " or " + unique[-1]
    quotable = isinstance(value, int | float) and unique == ["a string"]
    hint = " (put it in quotes)" if quotable else ""
    return f"must be {wanted}, {_found(value)}{hint}"


def _from_validator(path: Loc, error: ErrorDetails, value: Any) -> list[Located]:
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, LocatedError):
        return [
            ((*path, *sub), message, _value_at_or_none(value, sub) if cause.show_value else None)
            for sub, message in cause.problems
        ]
    text = str(cause) if cause is not None else error["msg"]
    return [(path, text, value)]


def _value_at_or_none(data: Any, sub: Loc) -> Any:
    try:
        return _value_at(data, sub)
    except (KeyError, IndexError, TypeError):
        return None


def _other(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind in ("literal_error", "enum"):
        return f"must be {ctx.get('expected')}"
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"must have at least {count} {'entry' if count == 1 else 'entries'}"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} entries"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {ctx.get('pattern')}"
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _unknown_field(model: type[BaseModel], loc: tuple[int | str, ...], path: Loc) -> str:
    key = path[-1] if path else loc[-1]
    allowed = _fields_at(model, loc[:-1])
    if not allowed:
        return f"unknown field '{key}'"
    return f"unknown field '{key}'; allowed fields: {', '.join(allowed)}"


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model accepts at `loc`, found by walking the model's field types."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
    current = _unwrap(current, None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _unwrap(tp: Any, part: int | str | None) -> Any:
    """Strip Annotated, Optional and root models; in a union prefer the member the loc names."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(tp) if arg is not type(None)]
            named = [arg for arg in members if _names(arg, part)]
            tp = (named or members)[0]
        elif isinstance(tp, type) and issubclass(tp, RootModel):
            tp = tp.model_fields["root"].annotation
        else:
            return tp


def _names(member: Any, part: int | str | None) -> bool:
    """Whether pydantic's loc `part` names this union member (by class name or literal tag)."""
    if getattr(member, "__name__", None) == part:
        return True
    if not (isinstance(member, type) and issubclass(member, BaseModel)):
        return False
    return any(
        typing.get_origin(info.annotation) is typing.Literal
        and part in typing.get_args(info.annotation)
        for info in member.model_fields.values()
    )


def _step(tp: Any, part: int | str) -> Any:
    tp = _unwrap(tp, part)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, info in tp.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return tp  # a union member name or a validator tag: stay on this model
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, tuple) and isinstance(part, int) and args:
        return args[0]
    if origin is dict and isinstance(part, str) and len(args) == 2:
        return args[1]
    return tp
