"""How Go's templates see JSON values: printing (fmt's %v), truth, equality and order.

An event decoded by Go's encoding/json into `interface{}` holds strings, float64 numbers, bools,
nil, `[]interface{}` and `map[string]interface{}`; these functions treat the Python equivalents
the way Go's text/template treats those.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any


class TemplateError(Exception):
    """A template that cannot be parsed or executed; the message names the construct or key."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def go_type(value: Any) -> str:
    """The Go type name of a decoded JSON value, as Go's error messages write it."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    return "<nil>" if value is None else type(value).__name__


def format_number(number: float) -> str:
    """A float64 as Go's %v prints it: %g with the shortest digits, exponent from 1e+06 up or
    below 1e-04 (`95`, `0.5`, `1.234567e+06`, `1e-05`)."""
    value = float(number)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if str(value).startswith("-") else "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(str(digit) for digit in digits)
    point = len(text) + int(exponent)  # the decimal point sits after this many digits
    scientific = point - 1
    prefix = "-" if sign else ""
    if scientific < -4 or scientific >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if scientific < 0 else '+'}{abs(scientific):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def print_value(value: Any, top: bool = False) -> str:
    """`value` as `{{...}}` prints it; an absent value is `<no value>` at the top level."""
    if value is None:
        return "<no value>" if top else "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(print_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        pairs = (f"{key}:{print_value(value[key])}" for key in sorted(value))
        return "map[" + " ".join(pairs) + "]"
    return str(value)


def truth(value: Any) -> bool:
    """Go's truth: false, 0, nil and empty strings, lists and maps are false."""
    if value is None:
        return False
    if isinstance(value, bool | int | float):
        return bool(value)
    if isinstance(value, str | list | Mapping):
        return len(value) > 0
    return True


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "nil"
    return go_type(value)


def equal(left: Any, right: Any) -> bool:
    """`eq`: basic values of one kind compare; anything else is Go's error."""
    kinds = (_kind(left), _kind(right))
    if kinds[0] not in ("bool", "number", "string", "nil"):
        raise TemplateError(f"eq: uncomparable type {go_type(left)}")
    if kinds[0] != kinds[1]:
        raise TemplateError(
            f"eq: incompatible types for comparison ({go_type(left)} and {go_type(right)})"
        )
    return bool(left == right)


def compare(left: Any, right: Any) -> int:
    """-1, 0 or 1 for `lt`, `le`, `gt`, `ge`: numbers with numbers, strings with strings."""
    kinds = (_kind(left), _kind(right))
    if kinds[0] != kinds[1] or kinds[0] not in ("number", "string"):
        raise TemplateError(
            f"incompatible types for comparison ({go_type(left)} and {go_type(right)})"
        )
    return int(left > right) - int(left < right)
