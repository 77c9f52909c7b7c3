"""Safe YAML/JSON loading and validation into pydantic models, with one located line per error."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import Node

from chalicelib.domain import bounded_yaml, pydantic_messages, strict_json
from chalicelib.domain.docmodel import Loc, format_path
from chalicelib.domain.yamlnodes import build_data
from chalicelib.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

MAX_VALUE_SHOWN = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, rendered as one greppable line:

    `<file>: <path> '<value>' (line N): <message>`

    A warning (valid but suspicious) reads `... (line N): warning: <message>`.
    """

    file: str
    where: str
    message: str
    line: int | None = None
    value: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        shown = f" '{self.value}'" if self.value is not None else ""
        at = f" (line {self.line})" if self.line is not None else ""
        marker = "warning: " if self.warning else ""
        return _one_line(f"{self.file}: {self.where}{shown}{at}: {marker}{self.message}")


class InvalidDocument(InvalidInput):
    """A configuration document is not valid; `lines` holds one message per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.lines = [str(problem) for problem in problems]
        super().__init__("\n".join(self.lines))


@dataclass(frozen=True)
class YamlDocument:
    """Plain data (dicts, lists, scalars) plus the 1-based line of every path in it."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    # Problems found while building the data (duplicate keys, unsupported tags): reported
    # together with the model's, so one run names everything wrong with the file.
    problems: tuple[Problem, ...] = ()

    def line_of(self, path: Loc) -> int:
        """The line of `path`, or of its nearest parent that exists in the document."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1

    def problem(
        self, path: Loc, message: str, value: Any = None, *, warning: bool = False
    ) -> Problem:
        """A problem located at `path`; `value` is shown when it is a scalar."""
        where = format_path(path) or "top level"
        return Problem(self.file, where, message, self.line_of(path), show_value(value), warning)


def show_value(value: Any) -> str | None:
    """A scalar as it reads in YAML, shortened; None for empty values and collections."""
    if value is None or isinstance(value, dict | list):
        return None
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if len(text) > MAX_VALUE_SHOWN:
        text = text[: MAX_VALUE_SHOWN - 3] + "..."
    return text


def _one_line(text: str) -> str:
    return text.replace("\r", "").replace("\n", "\\n")


def load_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML (or JSON) document with the safe loader; raise InvalidDocument if broken.

    The loader is bounded (domain/bounded_yaml): nesting deeper than its limit is refused while
    composing, and the builder refuses what aliases would expand beyond the limits.
    """
    text = _json_tabs_to_spaces(text)
    root = _composed(text, file, bounded_yaml.compose)
    if root is None:
        raise InvalidDocument([Problem(file, "top level", "the file is empty", 1)])
    return _built(root, file)


def load_yaml_stream(text: str, file: str) -> list[YamlDocument]:
    """Every document of a multi-document YAML stream (`---` between documents), each with the
    lines it has in the whole file; empty documents are left out. InvalidDocument if broken."""
    return [_built(root, file) for root in _composed(text, file, bounded_yaml.compose_all)]


def _composed(text: str, file: str, compose: Callable[[str], T]) -> T:
    """`compose(text)`, with every YAML error turned into a located InvalidDocument."""
    try:
        return compose(text)
    except bounded_yaml.DocumentRefused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise InvalidDocument([Problem(file, "document", str(exc.problem), line)]) from None
    except yaml.MarkedYAMLError as exc:
        raise InvalidDocument([_syntax_problem(file, exc)]) from None
    except yaml.YAMLError as exc:
        # Reader errors (control characters) carry a character position instead of a mark.
        position = getattr(exc, "position", 0)
        line = text[:position].count("\n") + 1
        message = str(exc).split("\n", 1)[0]
        raise InvalidDocument([Problem(file, "invalid YAML", message, line)]) from None


def _built(root: Node, file: str) -> YamlDocument:
    data, lines, node_problems = build_data(root)
    problems = tuple(
        Problem(file, format_path(path) or "top level", message, line)
        for path, line, message in node_problems
    )
    if problems and data is None:
        # Building stopped (a cycle, runaway aliases): there is nothing left to validate.
        raise InvalidDocument(list(problems))
    return YamlDocument(file, data, lines, problems)


def _json_tabs_to_spaces(text: str) -> str:
    """Let tab-indented JSON through: YAML forbids tabs as indentation, JSON allows them.

    Valid JSON cannot hold a raw tab inside a string, so swapping tabs for spaces changes neither
    its meaning nor its line numbers.
    """
    if "\t" not in text or not text.lstrip().startswith(("{", "[")):
        return text
    try:
        # Bounded first: json.loads recurses once per level. Too deep is left to the YAML
        # loader, which refuses it with its own message.
        strict_json.check_nesting(text, "the document")
        json.loads(text)
    except (ValueError, InvalidInput):
        return text
    return text.replace("\t", " ")


def _syntax_problem(file: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    message = exc.problem or "the YAML cannot be parsed"
    if mark is not None:
        message += f" (column {mark.column + 1})"
    if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
        message += f", {exc.context} on line {exc.context_mark.line + 1}"
    if "'\\t'" in message:
        message += "; YAML does not allow tabs for indentation, use spaces"
    return Problem(file, "invalid YAML", message, line)


def validate_model(doc: YamlDocument, model: type[M]) -> M:
    """Validate loaded data against `model`; raise InvalidDocument with every problem located:
    those found while loading (duplicate keys, ...) and all of the model's."""
    try:
        validated = model.model_validate(doc.data)
    except ValidationError as exc:
        found = list(doc.problems)
        for path, message, value in pydantic_messages.translate(exc, doc.data, model):
            # A node already reported while loading (e.g. an unsupported tag, read as empty)
            # would only be reported again, less clearly.
            if not any(_under(path, known) for known in _load_paths(doc)):
                found.append(doc.problem(path, message, value))
        raise InvalidDocument(sort_problems(found)) from None
    if doc.problems:
        raise InvalidDocument(sort_problems(list(doc.problems)))
    return validated


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """In file order: pydantic reports field by field, people read files top to bottom."""
    return sorted(problems, key=lambda problem: problem.line or 0)


def _load_paths(doc: YamlDocument) -> list[str]:
    return [problem.where for problem in doc.problems if problem.where != "top level"]


def _under(path: Loc, where: str) -> bool:
    shown = format_path(path)
    return shown == where or shown.startswith((f"{where}.", f"{where}["))


def parse_document(text: str, model: type[M], file: str) -> M:
    """Load `text` (YAML or JSON) and validate it as `model`; raise InvalidDocument if wrong."""
    return validate_model(load_yaml(text, file), model)


def document_problems(text: str, model: type[M], file: str) -> list[str]:
    """The error lines for `text` validated as `model`; empty when it is valid."""
    try:
        parse_document(text, model, file)
    except InvalidDocument as exc:
        return exc.lines
    return []
