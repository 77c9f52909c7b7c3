"""`qm create|get|delete token`: API tokens with a name and an optional expiry.

The token is printed once, when created; afterwards only its name and dates can be read.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import typer

from qm.client import connect
from qm.commands.get import get_app
from qm.commands.projects import create_app, delete_app
from qm.output import OutputFormat, OutputOption, cli_errors, console, print_json, print_table

EXPIRES_HELP = "Lifetime, e.g. 30d, 12h, 90m (default: never expires)"


def create_token(
    name: str = typer.Argument(..., help="Token name, e.g. ci-pipeline"),
    expires: str | None = typer.Option(None, "--expires", help=EXPIRES_HELP),
    expires_at: str | None = typer.Option(
        None, "--expires-at", help="Expiry as an RFC 3339 time, e.g. 2027-01-01T00:00:00Z"
    ),
    output: OutputFormat = OutputOption,
) -> None:
    """Create an API token and print it (once: it cannot be shown again)."""
    with cli_errors():
        body: dict[str, str] = {"name": name}
        if expires is not None:
            body["expiresIn"] = expires
        if expires_at is not None:
            body["expiresAt"] = expires_at
        answer = connect().post("/v1/token", body)
    if output is OutputFormat.json:
        print_json(answer)
        return
    until = f", expires {answer['expires']}" if answer.get("expires") else ", never expires"
    console.print(f"Token [bold]{name}[/bold] created{until}. Keep it now; it is not shown again:")
    # Plain print: no rich markup or wrapping inside the secret.
    print(answer["token"])


def _expiry(token: dict[str, Any]) -> str:
    if not token.get("expires"):
        return "never"
    return f"{token['expires']} (expired)" if token.get("expired") else str(token["expires"])


def get_tokens(output: OutputFormat = OutputOption) -> None:
    """List API tokens: names, who created them, when they expire (never the tokens)."""
    with cli_errors():
        answer = connect().get("/v1/token")
    if output is OutputFormat.json:
        print_json(answer)
        return
    rows = [
        (t["name"], t.get("created", ""), t.get("createdBy") or "-", _expiry(t))
        for t in answer["tokens"]
    ]
    print_table("API tokens", ("NAME", "CREATED", "CREATED BY", "EXPIRES"), rows)


def delete_token(name: str = typer.Argument(..., help="Token name")) -> None:
    """Revoke an API token."""
    with cli_errors():
        answer = connect().delete(f"/v1/token/{quote(name, safe='')}")
    console.print(answer.get("message", "revoked"))


def register(app: typer.Typer) -> None:
    create_app.command("token")(create_token)
    get_app.command("tokens")(get_tokens)
    get_app.command("token", hidden=True)(get_tokens)
    delete_app.command("token")(delete_token)
