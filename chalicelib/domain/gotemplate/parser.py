"""Reads template text into nodes (chalicelib/domain/gotemplate/nodes.py): the actions the
lexer cut out are parsed, and `if`/`else`/`end` nest. Every refusal names the line and the
construct, since the message reaches the user who wrote the webhook file.
"""

from __future__ import annotations

from chalicelib.domain.gotemplate.lexer import Token, actions, line_of, tokens
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

_UNSUPPORTED = ("range", "with", "define", "template", "block", "break", "continue")


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
        line = line_of(self._source, offset)
        found = tokens(body, line)
        if not found:
            raise TemplateError(f"line {line}: missing value for command (empty action)")
        head = found[0]
        keyword = head.text if head.kind == "word" else ""
        if keyword in _UNSUPPORTED:
            raise TemplateError(
                f"line {line}: '{{{{{keyword}}}}}' is not supported in webhook templates; "
                "use if/else, index and field chains"
            )
        if keyword == "if":
            block = IfBlock()
            block.branches.append((self._command(found[1:], line), []))
            self._target.append(block)
            self._stack.append((block, block.branches[-1][1], line))
        elif keyword == "else":
            block, _, opened = self._open(line, "else")
            if block.otherwise or (len(block.branches) and self._stack[-1][1] is block.otherwise):
                raise TemplateError(
                    f"line {line}: a second {{{{else}}}} in the {{{{if}}}} of line {opened}"
                )
            if len(found) > 1 and found[1].kind == "word" and found[1].text == "if":
                block.branches.append((self._command(found[2:], line), []))
                self._stack[-1] = (block, block.branches[-1][1], opened)
            elif len(found) > 1:
                raise TemplateError(f"line {line}: {{{{else}}}} takes nothing but 'if ...'")
            else:
                self._stack[-1] = (block, block.otherwise, opened)
        elif keyword == "end":
            if len(found) > 1:
                raise TemplateError(f"line {line}: {{{{end}}}} takes no arguments")
            self._open(line, "end")
            self._stack.pop()
        else:
            self._target.append(self._command(found, line))

    def _open(self, line: int, what: str) -> tuple[IfBlock, list[Node], int]:
        if not self._stack:
            raise TemplateError(f"line {line}: unexpected {{{{{what}}}}} (no {{{{if}}}} is open)")
        return self._stack[-1]

    def finish(self) -> list[Node]:
        if self._stack:
            raise TemplateError(f"line {self._stack[-1][2]}: {{{{if}}}} without {{{{end}}}}")
        return self.root

    def _command(self, tokens: list[Token], line: int) -> Operand:
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
        self, tokens: list[Token], line: int, top: bool
    ) -> tuple[Operand, list[Token]]:
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

    def _operand(self, tokens: list[Token], line: int) -> tuple[Operand, list[Token]]:
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
    for kind, text, offset in actions(source):
        if kind == "text":
            if text:
                parser._target.append(text)
        else:
            parser.action(text, offset)
    return parser.finish()
