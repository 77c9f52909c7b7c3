"""Reads template text into nodes (chalicelib/domain/gotemplate/nodes.py).

Actions are cut out honouring string literals (a `}}` inside a string does not end an action),
then tokenised and parsed; `if`/`else`/`end` nest. Every refusal names the line and the
construct, since the message reaches the user who wrote the webhook file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain.gotemplate.nodes import (
    FUNCTIONS,
    Call,
    FieldChain,
    IfBlock,
    Literal,
    Node,
    Operand,
)
from chalicelib.domain.gotemplate.values import TemplateError

_SPACE = " \t\r\n"
_UNSUPPORTED = ("range", "with", "define", "template", "block", "break", "continue")
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
class _Token:
    kind: str  # field, string, number, word, open, close, pipe
    text: str
    value: object = None


def _line(source: str, offset: int) -> int:
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
    raise TemplateError(f"line {_line(source, start)}: unterminated quoted string")


def _actions(source: str) -> list[tuple[str, str, int]]:
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
                    f"line {_line(source, start)}: unclosed action ('{{{{' without '}}}}')"
                )
            if source.startswith("/*", cursor) and source[inner:cursor].strip(_SPACE) == "":
                close = source.find("*/", cursor + 2)
                if close < 0:
                    raise TemplateError(f"line {_line(source, start)}: unclosed comment")
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


def _tokens(body: str, line: int) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(body):
        char = body[position]
        if char in _SPACE:
            position += 1
        elif char in "()|":
            kind = {"(": "open", ")": "close", "|": "pipe"}[char]
            tokens.append(_Token(kind, char))
            position += 1
        elif char in '"`':
            end = _string_end(body, position)
            tokens.append(_Token("string", body[position:end], _unquote(body[position:end], line)))
            position = end
        elif char in ".$" and not _NUMBER.match(body, position):
            names, position = _field_chain(body, position, line)
            tokens.append(_Token("field", char, names))
        elif char == ":" or char == "=":
            raise TemplateError(f"line {line}: variables (:= and =) are not supported")
        elif char == "'":
            raise TemplateError(
                f"line {line}: character constants ('x') are not supported; use \"x\""
            )
        elif (number := _NUMBER.match(body, position)) is not None:
            tokens.append(_Token("number", number.group(), _number(number.group(), line)))
            position = number.end()
        elif (word := _IDENT.match(body, position)) is not None:
            tokens.append(_Token("word", word.group()))
            position = word.end()
        else:
            raise TemplateError(f"line {line}: unexpected '{char}' in an action")
    return tokens


class _Parser:
    """Builds the node tree of one template."""

    def __init__(self, source: str) -> None:
        self._source = source
        self.root: list[Node] = []
        # Open `if` blocks: the block and the list the next nodes go into.
        self._stack: list[tuple[IfBlock, list[Node], int]] = []

    @property
    def _target(self) -> list[Node]:
        return self._stack[-1][1] if self._stack else self.root

    def action(self, body: str, offset: int) -> None:
        line = _line(self._source, offset)
        tokens = _tokens(body, line)
        if not tokens:
            raise TemplateError(f"line {line}: missing value for command (empty action)")
        head = tokens[0]
        keyword = head.text if head.kind == "word" else ""
        if keyword in _UNSUPPORTED:
            raise TemplateError(
                f"line {line}: '{{{{{keyword}}}}}' is not supported in webhook templates; "
                "use if/else, index and field chains"
            )
        if keyword == "if":
            block = IfBlock()
            block.branches.append((self._command(tokens[1:], line), []))
            self._target.append(block)
            self._stack.append((block, block.branches[-1][1], line))
        elif keyword == "else":
            block, _, opened = self._open(line, "else")
            if block.otherwise or (len(block.branches) and self._stack[-1][1] is block.otherwise):
                raise TemplateError(
                    f"line {line}: a second {{{{else}}}} in the {{{{if}}}} of line {opened}"
                )
            if len(tokens) > 1 and tokens[1].kind == "word" and tokens[1].text == "if":
                block.branches.append((self._command(tokens[2:], line), []))
                self._stack[-1] = (block, block.branches[-1][1], opened)
            elif len(tokens) > 1:
                raise TemplateError(f"line {line}: {{{{else}}}} takes nothing but 'if ...'")
            else:
                self._stack[-1] = (block, block.otherwise, opened)
        elif keyword == "end":
            if len(tokens) > 1:
                raise TemplateError(f"line {line}: {{{{end}}}} takes no arguments")
            self._open(line, "end")
            self._stack.pop()
        else:
            self._target.append(self._command(tokens, line))

    def _open(self, line: int, what: str) -> tuple[IfBlock, list[Node], int]:
        if not self._stack:
            raise TemplateError(f"line {line}: unexpected {{{{{what}}}}} (no {{{{if}}}} is open)")
        return self._stack[-1]

    def finish(self) -> list[Node]:
        if self._stack:
            raise TemplateError(f"line {self._stack[-1][2]}: {{{{if}}}} without {{{{end}}}}")
        return self.root

    def _command(self, tokens: list[_Token], line: int) -> Operand:
        if not tokens:
            raise TemplateError(f"line {line}: missing value for command")
        if any(token.kind == "pipe" for token in tokens):
            raise TemplateError(
                f"line {line}: pipelines with '|' are not supported; "
                "call the function with its arguments"
            )
        operand, rest = self._call_or_operand(tokens, line, top=True)
        if rest:
            raise TemplateError(
                f"line {line}: unexpected '{rest[0].text}' after the value; "
                "only functions take arguments"
            )
        return operand

    def _call_or_operand(
        self, tokens: list[_Token], line: int, top: bool
    ) -> tuple[Operand, list[_Token]]:
        head = tokens[0]
        if head.kind == "word" and head.text in FUNCTIONS:
            arguments: list[Operand] = []
            rest = tokens[1:]
            while rest and rest[0].kind != "close":
                argument, rest = self._operand(rest, line)
                arguments.append(argument)
            fewest, most, _ = FUNCTIONS[head.text]
            if len(arguments) < fewest or (most is not None and len(arguments) > most):
                wanted = (
                    f"{fewest}"
                    if most == fewest
                    else f"at least {fewest}"
                    if most is None
                    else f"{fewest} to {most}"
                )
                raise TemplateError(
                    f"line {line}: wrong number of args for {head.text}: "
                    f"want {wanted} got {len(arguments)}"
                )
            return Call(head.text, tuple(arguments)), rest
        return self._operand(tokens, line)

    def _operand(self, tokens: list[_Token], line: int) -> tuple[Operand, list[_Token]]:
        head, rest = tokens[0], tokens[1:]
        if head.kind == "field":
            return FieldChain(head.value), rest  # type: ignore[arg-type]
        if head.kind in ("string", "number"):
            return Literal(head.value), rest
        if head.kind == "open":
            if not rest or rest[0].kind == "close":
                raise TemplateError(f"line {line}: missing value in parentheses")
            inner, rest = self._call_or_operand(rest, line, top=False)
            if not rest or rest[0].kind != "close":
                raise TemplateError(f"line {line}: unclosed left paren")
            return inner, rest[1:]
        if head.kind == "word":
            literals = {"true": True, "false": False, "nil": None}
            if head.text in literals:
                return Literal(literals[head.text]), rest
            if head.text in FUNCTIONS:
                raise TemplateError(
                    f"line {line}: put '{head.text}' and its arguments in parentheses "
                    "when it is an argument"
                )
            raise TemplateError(
                f'line {line}: function "{head.text}" not defined; '
                f"the functions are: {', '.join(FUNCTIONS)}"
            )
        raise TemplateError(f"line {line}: unexpected '{head.text}'")


def parse_nodes(source: str) -> list[Node]:
    parser = _Parser(source)
    for kind, text, offset in _actions(source):
        if kind == "text":
            if text:
                parser._target.append(text)
        else:
            parser.action(text, offset)
    return parser.finish()
