"""The one YAML loader for untrusted documents: `yaml.safe_load` semantics, bounded in size.

PyYAML's composer recurses once per nesting level, so a document nested a few thousand deep is a
RecursionError; and aliases let a small file expand into millions of nodes ("billion laughs") or
nest deeper than it is written. `BoundedSafeLoader` is the SafeLoader with these checks:
- while composing, it refuses a mapping or sequence more than MAX_DEPTH levels deep, before the
  composer recurses into it;
- before constructing Python objects, it measures the composed graph as it will be built
  (aliases and merge keys expanded) and refuses it when it nests deeper than MAX_DEPTH, holds
  more than MAX_NODES nodes, or contains itself;
- it joins escaped UTF-16 surrogate pairs into their character and refuses lone surrogates
  (`"\\ud800"`).
Each refusal is a DocumentRefused, a yaml.YAMLError, so callers keep their YAML error handling.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.error import Mark
from yaml.events import MappingStartEvent, SequenceStartEvent
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode

# Keptn's files nest fewer than ten levels (a shipyard: spec, stages, sequences, tasks,
# properties, ...); a hundred leaves room for task properties and webhook payloads.
MAX_DEPTH = 100
# No real configuration file comes near this many nodes once its aliases are expanded.
MAX_NODES = 200_000

TOO_DEEP = (
    f"the document nests mappings and sequences more than {MAX_DEPTH} levels deep "
    f"(aliases and merge keys included; the limit is {MAX_DEPTH})"
)
TOO_LARGE = (
    f"the document is too large (or its aliases expand too much): more than {MAX_NODES} "
    "nodes once aliases are expanded"
)
SELF_REFERENCE = "an alias refers to the node that contains it"
LONE_SURROGATE = (
    "a double-quoted escape here ('\\ud800'-'\\udfff') is half of a UTF-16 surrogate pair, "
    "which is not a character; write the character itself"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


class DocumentRefused(yaml.MarkedYAMLError):
    """A document the bounded loader will not load; `problem` says why, `problem_mark` where."""

    def __init__(self, problem: str, mark: Mark | None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class BoundedSafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses documents over MAX_DEPTH or MAX_NODES (see the module doc)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if not self.check_event(MappingStartEvent, SequenceStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise DocumentRefused(TOO_DEEP, event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_scalar_node(self, anchor: Any) -> ScalarNode:
        node = super().compose_scalar_node(anchor)
        if _SURROGATE.search(node.value):
            node.value = _join_surrogate_pairs(node.value, node.start_mark)
        return node

    def construct_document(self, node: Node) -> Any:
        check_expansion(node)
        return super().construct_document(node)


def safe_load(text: str) -> Any:
    """`yaml.safe_load(text)` within the limits; DocumentRefused (a YAMLError) beyond them."""
    # yaml.load with a SafeLoader subclass: safe_load semantics, plus the limits.
    return yaml.load(text, Loader=BoundedSafeLoader)


def compose(text: str) -> Node | None:
    """`yaml.compose(text, Loader=SafeLoader)` with the nesting limit checked while composing."""
    return yaml.compose(text, Loader=BoundedSafeLoader)


def compose_all(text: str) -> list[Node]:
    """Every document of a multi-document stream (`---`), each within the limits; empty
    documents (a stray `---`, comments only) are left out."""
    nodes = list(yaml.compose_all(text, Loader=BoundedSafeLoader))
    # An explicit document with nothing in it (`---` then `---`) composes to a null scalar.
    return [
        node
        for node in nodes
        if node is not None and not (isinstance(node, ScalarNode) and node.tag.endswith(":null"))
    ]


def check_expansion(root: Node) -> None:
    """Refuse `root` if, aliases and merge keys expanded, it nests deeper than MAX_DEPTH, holds
    more than MAX_NODES nodes, or contains itself.

    Each node is measured once (a shared node's depth and size are remembered), without
    recursion, so the check costs as much as the composed document, not as its expansion.
    """
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (depth, expanded size)
    open_ids = {id(root)}
    # Each frame: the node, its children still to visit, its deepest child so far, its size.
    frames: list[tuple[Node, Any, list[int]]] = [(root, iter(_children(root)), [0, 1])]
    while frames:
        node, children, totals = frames[-1]
        child = next(children, None)
        if child is None:
            frames.pop()
            open_ids.discard(id(node))
            result = (totals[0] + (1 if isinstance(node, CollectionNode) else 0), totals[1])
            measured[id(node)] = result
            if frames:
                _add(frames[-1][2], result, len(frames), node)
            continue
        known = measured.get(id(child))
        if known is not None:
            _add(totals, known, len(frames), child)
        elif id(child) in open_ids:
            raise DocumentRefused(SELF_REFERENCE, child.start_mark)
        else:
            open_ids.add(id(child))
            frames.append((child, iter(_children(child)), [0, 1]))
            if len(frames) > MAX_DEPTH + 1:
                raise DocumentRefused(TOO_DEEP, child.start_mark)


def _add(totals: list[int], child: tuple[int, int], parents: int, node: Node) -> None:
    """Fold a measured child into its parent's totals; `parents` counts the open collections."""
    depth, size = child
    totals[0] = max(totals[0], depth)
    totals[1] += size
    if parents + depth > MAX_DEPTH:
        raise DocumentRefused(TOO_DEEP, node.start_mark)
    if totals[1] > MAX_NODES:
        raise DocumentRefused(TOO_LARGE, node.start_mark)


def _join_surrogate_pairs(value: str, mark: Mark) -> str:
    """PyYAML decodes each `\\uXXXX` alone, so an escaped pair stays two surrogates: join them
    into the character, as JSON does. A lone one is refused: Python keeps it in a str, but
    nothing can encode it again, so stored or sent on it breaks every later read."""
    try:
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise DocumentRefused(LONE_SURROGATE, mark) from None


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, CollectionNode):
        return list(node.value)
    return []
