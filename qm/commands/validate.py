"""`qm validate FILE...`: check Keptn configuration files offline, one error per line.

Each file's kind (shipyard, uniform, remediation, webhook, SLO, SLI) is detected from its content.
A directory stands for the .yaml, .yml and .json files below it. Every error of a file is
reported, not only the first. A valid file may get warnings (`... (line N): warning: ...`) for
settings that are almost certainly not meant; they do not change the exit code. Exit codes:
0 all valid (with or without warnings), 1 some file is invalid, 2 a path does not exist or
cannot be read.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from chalicelib.domain.documents import DocumentKind, DocumentReport, validate_document

EXIT_INVALID = 1
EXIT_BAD_PATH = 2
_SUFFIXES = (".yaml", ".yml", ".json")


class OutputFormat(StrEnum):
    """How the results are printed."""

    TEXT = "text"
    JSON = "json"


def register(app: typer.Typer) -> None:
    """Add `qm validate` to the CLI."""
    app.command("validate")(validate_command)


def validate_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="Files to check; a directory means its .yaml/.yml/.json files."),
    ],
    output: Annotated[
        OutputFormat, typer.Option("--output", "-o", help="text (one line per error) or json.")
    ] = OutputFormat.TEXT,
) -> None:
    """Validate shipyard, uniform, remediation, webhook, SLO and SLI files without a server."""
    paths = _expand(files)
    reports = [_validate_file(path) for path in paths]
    if output is OutputFormat.JSON:
        rows = [
            {
                "file": r.file,
                "kind": str(r.kind),
                "valid": r.valid,
                "errors": r.errors,
                "warnings": r.warnings,
            }
            for r in reports
        ]
        typer.echo(json.dumps(rows, indent=2))
    else:
        for report in reports:
            _print_text(report)
    if any(not report.valid for report in reports):
        raise typer.Exit(EXIT_INVALID)


def _expand(files: list[Path]) -> list[Path]:
    """Files as given, directories replaced by their configuration files; exit 2 if missing."""
    paths: list[Path] = []
    for path in files:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _SUFFIXES)
            if not found:
                _bad_path(f"{path}: the directory holds no .yaml, .yml or .json files")
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        else:
            _bad_path(f"{path}: no such file")
    return paths


def _bad_path(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_PATH)


def _validate_file(path: Path) -> DocumentReport:
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        message = f"{name}: top level (line {line}): the file is not UTF-8 text"
        return DocumentReport(name, DocumentKind.UNKNOWN, [message])
    except OSError as exc:
        _bad_path(f"{name}: cannot be read ({exc.strerror})")
    return validate_document(text, name)


def _print_text(report: DocumentReport) -> None:
    # Plain echo, not a rich console: error lines must never be wrapped, so grep finds them.
    if report.valid:
        for line in report.warnings:
            typer.secho(line, fg=typer.colors.YELLOW)
        count = len(report.warnings)
        noted = f" with {count} warning{'s' if count > 1 else ''}" if count else ""
        typer.secho(f"{report.file}: OK ({report.kind}){noted}", fg=typer.colors.GREEN)
        return
    for line in report.errors:
        typer.echo(line)
