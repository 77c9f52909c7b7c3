"""The `qm` command line: one Typer app, each command group registered from qm/commands."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="qm",
    help="Quartermaster: Keptn-compatible delivery and remediation orchestration on AWS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each module exposes `register(app)`; the order is the order of `qm --help`.
COMMAND_MODULES = (
    "auth",
    "projects",
    "events",
    "get",
    "secrets",
    "sequences",
    "approvals",
    "validate",
    "evaluate",
    "evaluations",
    "local",
    "aws",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"qm.commands.{name}")
        module.register(app)


_register_all()


def main() -> None:
    """Console-script entry point."""
    app()
