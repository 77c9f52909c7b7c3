"""`qm auth`: check a token against an endpoint and remember both."""

from __future__ import annotations

import typer

from qm import config
from qm.client import ApiClient
from qm.output import cli_errors, console


def auth(
    endpoint: str = typer.Option(
        ..., "--endpoint", help="API URL, e.g. https://abc.execute-api..."
    ),
    api_token: str = typer.Option(..., "--api-token", help="The x-token to send"),
) -> None:
    """Check the token against the endpoint and store both for later commands."""
    with cli_errors():
        answer = ApiClient(endpoint, api_token).post("/v1/auth", {})
        path = config.save(config.CliConfig(endpoint=endpoint, token=api_token))
    console.print(f"Authenticated as [bold]{answer.get('identity', '?')}[/bold] at {endpoint}")
    console.print(f"Saved to {path}")


def register(app: typer.Typer) -> None:
    app.command("auth")(auth)
