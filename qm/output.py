"""Printing: rich tables for people, `--output json` for scripts, errors to stderr."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from qm.client import CliError

console = Console()
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


OutputOption = typer.Option(OutputFormat.table, "--output", "-o", help="table or json")


def print_json(value: Any) -> None:
    # Plain print: rich would wrap long lines and break the JSON for scripts.
    print(json.dumps(value, indent=2, sort_keys=False))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def show(value: Any, output: OutputFormat, render: Callable[[Any], None]) -> None:
    if output is OutputFormat.json:
        print_json(value)
    else:
        render(value)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Print a CliError as one line on stderr and exit with its code; no tracebacks."""
    try:
        yield
    except CliError as error:
        errors.print(f"[red]error:[/red] {error.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(error.exit_code) from error
