"""`qm local up|down|status`: the embedded runtime on this machine, no AWS account needed."""

from __future__ import annotations

import typer

from qm.local import control
from qm.output import cli_errors, console

local_app = typer.Typer(
    help="Run Quartermaster locally (embedded AWS emulator).", no_args_is_help=True
)


@local_app.command("up")
def up() -> None:
    """Start the local runtime in the background and point the CLI at it."""
    console.print("Starting the local runtime (AWS emulator, resources, API, handlers)...")
    with cli_errors():
        state = control.up()
    console.print(f"Endpoint: [bold]{state['endpoint']}[/bold]")
    console.print(f"API token: [bold]{state['token']}[/bold]")
    console.print(f"Bridge: {state['endpoint']}/bridge/   (paste the token when it asks)")
    console.print(f"AWS emulator: {state['aws_endpoint']}   (stop with: qm local down)")


@local_app.command("down")
def down() -> None:
    """Stop the local runtime (its data is discarded)."""
    console.print("Stopped." if control.down() else "The local runtime was not running.")


@local_app.command("status")
def status() -> None:
    """Say whether the local runtime runs, and where."""
    state = control.read_state()
    if state:
        console.print(f"Running at {state['endpoint']} (pid {state['pid']})")
    else:
        console.print("Not running.")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(local_app, name="local")
