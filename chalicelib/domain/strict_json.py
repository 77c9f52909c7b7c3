"""The one JSON reader for untrusted input: bounded nesting and numbers, and only real JSON.

Python's `json` module accepts `NaN` and `Infinity` (which are not JSON, and which come back out
as invalid JSON), silently keeps the last of two equal keys, recurses once per nesting level
(a body nested a thousand deep is a RecursionError), hands integer literals to `int()`, which
refuses more than 4,300 digits with a ValueError, reads `1e999` as infinity, and keeps escapes
of lone UTF-16 surrogates that no encoder can write back. This reader refuses each of those with
an InvalidInput naming the rule or limit, reads UTF-8 only (RFC 8259), and is otherwise
`json.loads`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from chalicelib.errors import InvalidInput

# Keptn events carry nested data (task properties, SLI results, webhook payloads), rarely more
# than ten levels; a hundred leaves room and keeps every later recursive step (pydantic, payload
# merge, json.dumps) far from Python's recursion limit.
MAX_DEPTH = 100
# No value Keptn or its tools exchange needs more (Go reads JSON numbers as int64 or float64).
MAX_INT_DIGITS = 100

# Strings first, so brackets inside them are skipped. A string runs to its closing quote or,
# unterminated, to the end of the text (json.loads then reports it): every attempt succeeds, so
# the scan stays linear (a pattern that could fail would rescan from every escaped quote).
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def loads(raw: bytes | str, what: str = "the request body") -> Any:
    """`raw` parsed as strict JSON; InvalidInput names `what` and the rule it broke."""
    text = _text(raw, what)
    _scan(text, what)
    try:
        return json.loads(
            text,
            object_pairs_hook=lambda pairs: _refuse_duplicates(pairs, what),
            parse_int=lambda literal: _integer(literal, what),
            parse_float=lambda literal: _float(literal, what),
            parse_constant=lambda name: _refuse_constant(name, what),
        )
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{what} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error


def check_nesting(text: str, what: str = "the request body") -> None:
    """Refuse JSON text whose arrays and objects nest deeper than MAX_DEPTH, before parsing it."""
    _scan(text, what, strings=False)


def _scan(text: str, what: str, strings: bool = True) -> None:
    """One pass over the text, before the recursive parser: the nesting depth and, when
    `strings` is set, escapes that decode to unpaired UTF-16 surrogates ("\\ud800"). Python
    keeps those in a str, but nothing can encode them again: stored, they break every read
    of the record. RFC 8259 leaves them undefined; I-JSON (RFC 7493) forbids them."""
    if strings and _SURROGATE.search(text):
        raise InvalidInput(f"{what} holds text that is not valid Unicode (a lone surrogate)")
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidInput(
                    f"{what} nests arrays and objects more than {MAX_DEPTH} levels deep "
                    f"(the limit is {MAX_DEPTH}); send flatter JSON"
                )
        elif token in _CLOSING:
            depth -= 1
        elif strings and (escape := _SURROGATE_ESCAPE.search(token)) and _unpaired(token):
            raise InvalidInput(
                f"{what} holds a string with an unpaired surrogate escape ('{escape.group()}'); "
                "JSON strings must be valid Unicode (pair it, or send the character itself)"
            )


def _unpaired(token: str) -> bool:
    try:
        decoded = json.loads(token)  # one string: no nesting, no recursion
    except ValueError:
        return False  # malformed: json.loads reports it with its position
    return bool(_SURROGATE.search(decoded))


def _text(raw: bytes | str, what: str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        # UTF-8 only, as RFC 8259 requires and Keptn's Go services read it (json.loads would
        # also guess UTF-16 and UTF-32, and skip a byte-order mark).
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{what} is not UTF-8 encoded JSON") from error


def _refuse_duplicates(pairs: list[tuple[str, Any]], what: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InvalidInput(f"duplicate key '{key}' in {what}; send each key once")
        seen[key] = value
    return seen


def _integer(literal: str, what: str) -> int:
    digits = len(literal) - literal.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise InvalidInput(
            f"{what} holds an integer of {digits} digits; integers are limited to "
            f"{MAX_INT_DIGITS} digits"
        )
    return int(literal)


def _float(literal: str, what: str) -> float:
    number = float(literal)
    if math.isinf(number):
        shown = literal if len(literal) <= 20 else literal[:17] + "..."
        raise InvalidInput(
            f"{what} holds the number {shown}, which is out of range for a 64-bit float"
        )
    return number


def _refuse_constant(name: str, what: str) -> Any:
    raise InvalidInput(
        f"{what} is not valid JSON: {name} is not a JSON value "
        "(JSON has no NaN or Infinity); send a number, a string or null"
    )
