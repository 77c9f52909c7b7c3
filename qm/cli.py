"""The `qm` command line: one Typer app, each command group registered from qm/commands."""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

import typer

app = typer.Typer(
    name="qm",
    help="Quartermaster: Keptn-compatible delivery orchestration on AWS (remediation: not yet).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Typer's own --install-completion and --show-completion (bash, zsh, fish, PowerShell).
    add_completion=True,
)

# Each module exposes `register(app)`; the order is the order of `qm --help`.
COMMAND_MODULES = (
    "auth",
    "projects",
    "events",
    "get",
    "secrets",
    "tokens",
    "sequences",
    "approvals",
    "validate",
    "evaluate",
    "evaluations",
    "local",
    "aws",
    "aws_token",
    "aws_bridge",
    "webhooks",
)


def installed_version() -> str:
    try:
        return version("quartermaster")
    except PackageNotFoundError:  # run from a clone without `pip install -e .`
        return "unknown (not installed: pip install -e .)"


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"qm {installed_version()}")
        raise typer.Exit()


@app.callback()
def options(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the installed version and exit.",
    ),
) -> None:
    """Quartermaster: Keptn-compatible delivery orchestration on AWS (remediation: not yet)."""


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"qm.commands.{name}")
        module.register(app)


_register_all()


def main() -> None:
    """Console-script entry point."""
    app()
