"""Plain data from composed YAML nodes, with the line of every path and every duplicate key."""

from __future__ import annotations

from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from chalicelib.domain.bounded_yaml import MAX_DEPTH, MAX_NODES, TOO_DEEP
from chalicelib.domain.docmodel import Loc

_TAG = "tag:yaml.org,2002:"
_CONSTRUCTED = {f"{_TAG}int", f"{_TAG}float", f"{_TAG}bool", f"{_TAG}null"}
# Keptn is written in Go, which reads timestamps and binary scalars into string fields as text.
_AS_TEXT = {f"{_TAG}str", f"{_TAG}timestamp", f"{_TAG}binary"}

NodeProblem = tuple[Loc, int, str]
"""A problem found while building: the path, its 1-based line and the message."""


def build_data(root: Node) -> tuple[Any, dict[Loc, int], list[NodeProblem]]:
    """Turn a composed node tree into dicts, lists and scalars; report what cannot be trusted."""
    builder = _Builder()
    data = builder.run(root)
    return data, builder.lines, builder.problems


class _AbortError(Exception):
    """Stops building when going on would only repeat the problem (cycles, runaway aliases)."""


class _Builder:
    """Builds plain data from composed nodes, recording lines and duplicate keys as it goes."""

    def __init__(self) -> None:
        self.lines: dict[Loc, int] = {}
        self.problems: list[NodeProblem] = []
        # An aliased node is built once per reference; report each of its problems once.
        self.reported: set[tuple[int, str]] = set()
        self.budget = MAX_NODES
        self.scalars = SafeConstructor()

    def _problem(self, path: Loc, node: Node, message: str) -> None:
        if (id(node), message) in self.reported:
            return
        self.reported.add((id(node), message))
        self.problems.append((path, node.start_mark.line + 1, message))

    def run(self, root: Node) -> Any:
        try:
            return self.build(root, (), frozenset())
        except _AbortError:
            return None

    def build(self, node: Node, path: Loc, active: frozenset[int]) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        self.budget -= 1
        if self.budget < 0:
            self._problem(path, node, "the document is too large (or its aliases expand too much)")
            raise _AbortError
        if id(node) in active:
            self._problem(path, node, "an alias refers to the node that contains it")
            raise _AbortError
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        inner = active | {id(node)}
        # Composing bounded the written nesting; aliases and merge keys can still nest deeper
        # (each merge is one more level of recursion here), so the built depth is bounded too.
        if len(inner) > MAX_DEPTH:
            self._problem(path[:1], node, TOO_DEEP)  # under which top-level key, not 100 keys
            raise _AbortError
        if isinstance(node, SequenceNode) and node.tag == f"{_TAG}seq":
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, index), inner))
            return items
        if isinstance(node, MappingNode) and node.tag == f"{_TAG}map":
            return self._mapping(node, path, inner)
        self._problem(path, node, f"unsupported YAML tag '{node.tag}'")
        return None

    def _scalar(self, node: ScalarNode, path: Loc) -> Any:
        if node.tag in _AS_TEXT:
            return node.value
        if node.tag in _CONSTRUCTED:
            return self.scalars.construct_object(node)
        self._problem(path, node, f"unsupported YAML tag '{node.tag}'")
        return None

    def _mapping(self, node: MappingNode, path: Loc, active: frozenset[int]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        explicit: list[tuple[ScalarNode, Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == f"{_TAG}merge":
                # YAML merge keys (`<<: *defaults`): merged first so written-out keys win.
                self._merge(result, value_node, path, active)
            elif isinstance(key_node, ScalarNode):
                explicit.append((key_node, value_node))
            else:
                self._problem(path, key_node, "mapping keys must be plain strings")
        first_line: dict[str, int] = {}
        for key_node, value_node in explicit:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in first_line:
                self._problem(
                    (*path, key),
                    key_node,
                    f"duplicate key '{key}' (first given on line {first_line[key]}); "
                    "each key may appear only once in a mapping",
                )
                continue
            first_line[key] = line
            # A field's line is where its key is written, even when its value starts below it.
            self.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key), active)
        return result

    def _merge(
        self, result: dict[str, Any], value: Node, path: Loc, active: frozenset[int]
    ) -> None:
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in sources:
            merged = self.build(source, path, active)
            if not isinstance(merged, dict):
                self._problem(path, source, "a merge key ('<<') must refer to a mapping")
                continue
            for key, item in merged.items():
                result.setdefault(key, item)
