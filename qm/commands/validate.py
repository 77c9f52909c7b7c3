"""Placeholder until the validate command lands (being written in this change)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Nothing to register yet."""
