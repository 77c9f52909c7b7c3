"""Keptn's entity-name rule for projects, stages, services, sequences and tasks."""

from __future__ import annotations

import re

_ALLOWED = re.compile(r"^[a-z][a-z0-9-]*$")
ENTITY_NAME_RULE = (
    "must start with a lowercase letter and contain only lowercase letters, digits and '-'"
)

PROJECT_NAME_MAX = 200
SERVICE_NAME_MAX = 43


def entity_name_problem(value: str, max_length: int | None = None) -> str | None:
    """Return why `value` is not a valid entity name, or None when it is."""
    if not value:
        return "must not be empty"
    if max_length is not None and len(value) > max_length:
        return f"must be at most {max_length} characters (it has {len(value)})"
    if not _ALLOWED.match(value):
        return ENTITY_NAME_RULE
    if value.endswith("-"):
        return "must not end with '-'"
    return None
