"""Label and field selectors as the API server reads them (the forms clients send)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_SET = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def label_matcher(selector: str | None) -> Callable[[Mapping[str, str]], bool]:
    terms: list[tuple[str, str, set[str]]] = []  # (key, operator, values)
    for term in _split(selector or ""):
        found = _SET.match(term)
        if found:
            key, operator, values = found.groups()
            terms.append((key, operator, {v.strip() for v in values.split(",")}))
        elif "!=" in term:
            key, value = term.split("!=", 1)
            terms.append((key.strip(), "notin", {value.strip()}))
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            terms.append((key.strip(), "in", {value.strip()}))
        elif term.startswith("!"):
            terms.append((term[1:], "absent", set()))
        else:
            terms.append((term, "exists", set()))

    def matches(labels: Mapping[str, str]) -> bool:
        for key, operator, values in terms:
            value = labels.get(key)
            if operator == "in" and value not in values:
                return False
            if operator == "notin" and value in values:
                return False
            if operator == "absent" and key in labels:
                return False
            if operator == "exists" and key not in labels:
                return False
        return True

    return matches


def field_matcher(selector: str | None) -> Callable[[Mapping[str, Any]], bool]:
    terms = []
    for term in _split(selector or ""):
        negate = "!=" in term
        key, value = term.replace("!=", "=").replace("==", "=").split("=", 1)
        terms.append((key.strip().split("."), value.strip(), negate))

    def matches(item: Mapping[str, Any]) -> bool:
        for path, value, negate in terms:
            found: Any = item
            for part in path:
                found = found.get(part) if isinstance(found, dict) else None
            if (str(found if found is not None else "") == value) == negate:
                return False
        return True

    return matches
