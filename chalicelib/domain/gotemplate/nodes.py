"""A parsed template and how it runs: text, field chains, literals, calls and `if` blocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.gotemplate.values import (
    TemplateError,
    compare,
    equal,
    go_type,
    print_value,
    truth,
)


@dataclass(frozen=True)
class FieldChain:
    """`.a.b` or `$.a.b`; no names is the event itself (`.` or `$`)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple[Operand, ...]


Operand = FieldChain | Literal | Call


@dataclass
class IfBlock:
    """`{{if A}}..{{else if B}}..{{else}}..{{end}}`: the first true branch runs."""

    branches: list[tuple[Operand, list[Node]]] = field(default_factory=list)
    otherwise: list[Node] = field(default_factory=list)


Node = str | FieldChain | Literal | Call | IfBlock


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(item, Mapping):
            if not isinstance(key, str):
                raise TemplateError(f"index: cannot index a map with {print_value(key)}")
            item = item.get(key)  # Go gives the zero value (no value) for a missing key here
        elif isinstance(item, list | str):
            if isinstance(key, bool) or not isinstance(key, int | float) or key != int(key):
                raise TemplateError(f"index: cannot index a list with {print_value(key)}")
            if not 0 <= int(key) < len(item):
                raise TemplateError(f"index: index out of range: {int(key)}")
            item = item[int(key)] if isinstance(item, list) else item.encode()[int(key)]
        elif item is None:
            raise TemplateError("index: index of untyped nil")
        else:
            raise TemplateError(f"index: cannot index into type {go_type(item)}")
    return item


def _length(item: Any) -> int:
    if isinstance(item, str):
        return len(item.encode())  # Go counts bytes
    if isinstance(item, list | Mapping):
        return len(item)
    raise TemplateError(f"len: cannot take the length of type {go_type(item)}")


def _and(*values: Any) -> Any:
    return next((value for value in values if not truth(value)), values[-1])


def _or(*values: Any) -> Any:
    return next((value for value in values if truth(value)), values[-1])


# name -> (fewest arguments, most arguments or None for any number, implementation)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., Any]]] = {
    "index": (1, None, _index),
    "eq": (2, None, lambda first, *others: any(equal(first, other) for other in others)),
    "ne": (2, 2, lambda a, b: not equal(a, b)),
    "lt": (2, 2, lambda a, b: compare(a, b) < 0),
    "le": (2, 2, lambda a, b: compare(a, b) <= 0),
    "gt": (2, 2, lambda a, b: compare(a, b) > 0),
    "ge": (2, 2, lambda a, b: compare(a, b) >= 0),
    "and": (1, None, _and),
    "or": (1, None, _or),
    "not": (1, 1, lambda value: not truth(value)),
    "len": (1, 1, _length),
}


def evaluate(operand: Operand, data: Mapping[str, Any]) -> Any:
    if isinstance(operand, Literal):
        return operand.value
    if isinstance(operand, FieldChain):
        return lookup(operand.names, data)
    arguments = [evaluate(argument, data) for argument in operand.arguments]
    return FUNCTIONS[operand.function][2](*arguments)


def lookup(names: tuple[str, ...], data: Mapping[str, Any]) -> Any:
    """Follow a field chain with `missingkey=error`."""
    value: Any = data
    for position, name in enumerate(names):
        path = "." + ".".join(names[: position + 1])
        if isinstance(value, Mapping):
            if name not in value:
                raise TemplateError(f'{path}: map has no entry for key "{name}"')
            value = value[name]
        elif value is None:
            raise TemplateError(f"{path}: nil pointer evaluating interface {{}}.{name}")
        else:
            raise TemplateError(f"{path}: can't evaluate field {name} in type {go_type(value)}")
    return value


def execute(nodes: list[Node], data: Mapping[str, Any], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, IfBlock):
            chosen = next(
                (body for test, body in node.branches if truth(evaluate(test, data))),
                node.otherwise,
            )
            execute(chosen, data, out)
        else:
            out.append(print_value(evaluate(node, data), top=True))
