"""Template text cut into text and actions, and actions into tokens.

Actions are cut out honouring string literals (a `}}` inside a string does not end an action);
the trim markers `{{- ` and ` -}}` trim the neighbouring text, and comments are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain.gotemplate.values import TemplateError

_SPACE = " \t\r\n"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(
    r"[+-]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9]+)?|\.[0-9]+([eE][+-]?[0-9]+)?)"
)
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


@dataclass(frozen=True)
class Token:
    kind: str  # field, string, number, word, open, close, pipe
    text: str
    value: object = None


def line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _string_end(source: str, start: int) -> int:
    """The offset just past the string literal opening at `start`."""
    quote = source[start]
    position = start + 1
    while position < len(source):
        char = source[position]
        if char == "\\" and quote == '"':
            position += 2
            continue
        if char == quote:
            return position + 1
        if char == "\n" and quote == '"':
            break
        position += 1
    raise TemplateError(f"line {line_of(source, start)}: unterminated quoted string")


def actions(source: str) -> list[tuple[str, str, int]]:
    """The template as ("text", text, offset) and ("action", inside, offset) parts, with the
    trim markers applied to the neighbouring text and comments dropped."""
    parts: list[tuple[str, str, int]] = []
    position = 0
    trim_next = False
    while True:
        start = source.find("{{", position)
        text = source[position : len(source) if start < 0 else start]
        if trim_next:
            text = text.lstrip(_SPACE)
        if start < 0:
            parts.append(("text", text, position))
            return parts
        inner = start + 2
        if source.startswith("-", inner) and source[inner + 1 : inner + 2] in tuple(_SPACE):
            text = text.rstrip(_SPACE)
            inner += 1
        parts.append(("text", text, position))
        cursor = inner
        while True:
            if cursor >= len(source):
                raise TemplateError(
                    f"line {line_of(source, start)}: unclosed action ('{{{{' without '}}}}')"
                )
            if source.startswith("/*", cursor) and source[inner:cursor].strip(_SPACE) == "":
                close = source.find("*/", cursor + 2)
                if close < 0:
                    raise TemplateError(f"line {line_of(source, start)}: unclosed comment")
                cursor = close + 2
                continue
            if source[cursor] in '"`':
                cursor = _string_end(source, cursor)
                continue
            if source.startswith("}}", cursor):
                break
            cursor += 1
        end = cursor
        trim_next = (
            end - 1 >= inner
            and source[end - 1] == "-"
            and source[end - 2 : end - 1] in tuple(_SPACE)
        )
        body = source[inner : end - 1 if trim_next else end]
        if not body.strip(_SPACE).startswith("/*"):
            parts.append(("action", body, start))
        position = end + 2


def _unquote(literal: str, line: int) -> str:
    if literal[0] == "`":
        return literal[1:-1]
    out: list[str] = []
    body = literal[1:-1]
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        code = body[index + 1 : index + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            index += 2
        elif code in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[code]
            digits = body[index + 2 : index + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise TemplateError(f"line {line}: invalid escape \\{code}{digits} in a string")
            out.append(chr(int(digits, 16)))
            index += 2 + width
        else:
            raise TemplateError(f"line {line}: unknown escape \\{code} in a string")
    return "".join(out)


def _field_chain(body: str, position: int, line: int) -> tuple[tuple[str, ...], int]:
    """`.a.b`, `.`, `$` or `$.a.b` at `position`: the names and the offset after it."""
    root = body[position] == "$"
    if root and _IDENT.match(body, position + 1):
        raise TemplateError(
            f"line {line}: variables ($name) are not supported; use $ or . for the event"
        )
    cursor = position + 1 if root else position
    names: list[str] = []
    while cursor < len(body) and body[cursor] == ".":
        found = _IDENT.match(body, cursor + 1)
        if not found:
            break
        names.append(found.group())
        cursor = found.end()
    return tuple(names), max(cursor, position + 1)


def _number(text: str, line: int) -> int | float:
    """A Go number literal (decimal, 0x hex, 0o or leading-0 octal, 0b binary, float)."""
    plain = text.replace("_", "")
    try:
        if re.fullmatch(r"[+-]?0[0-7]+", plain):
            return int(plain, 8)
        if re.fullmatch(r"[+-]?(0[xXoObB][0-9a-fA-F]+|[0-9]+)", plain):
            return int(plain, 0)
        return float(plain)
    except ValueError as error:
        raise TemplateError(f"line {line}: bad number syntax: {text}") from error


def tokens(body: str, line: int) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(body):
        char = body[position]
        if char in _SPACE:
            position += 1
        elif char in "()|":
            kind = {"(": "open", ")": "close", "|": "pipe"}[char]
            tokens.append(Token(kind, char))
            position += 1
        elif char in '"`':
            end = _string_end(body, position)
            tokens.append(Token("string", body[position:end], _unquote(body[position:end], line)))
            position = end
        elif char in ".$" and not _NUMBER.match(body, position):
            names, position = _field_chain(body, position, line)
            tokens.append(Token("field", char, names))
        elif char == ":" or char == "=":
            raise TemplateError(f"line {line}: variables (:= and =) are not supported")
        elif char == "'":
            raise TemplateError(
                f"line {line}: character constants ('x') are not supported; use \"x\""
            )
        elif (number := _NUMBER.match(body, position)) is not None:
            tokens.append(Token("number", number.group(), _number(number.group(), line)))
            position = number.end()
        elif (word := _IDENT.match(body, position)) is not None:
            tokens.append(Token("word", word.group()))
            position = word.end()
        else:
            raise TemplateError(f"line {line}: unexpected '{char}' in an action")
    return tokens
