"""`qm create|update|delete|get secret`: secrets for webhooks and integrations (values stay put)."""

from __future__ import annotations

import typer

from qm.client import CliError, connect
from qm.commands.get import get_app
from qm.commands.projects import create_app, delete_app, update_app
from qm.output import OutputFormat, OutputOption, cli_errors, console, print_table, show

DEFAULT_SCOPE = "keptn-default"


def _literals(pairs: list[str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"--from-literal '{pair}' must look like key=value", exit_code=2)
        data[key] = value
    return data


def create_secret(
    name: str = typer.Argument(..., help="Secret name"),
    from_literal: list[str] = typer.Option(..., "--from-literal", help="key=value (repeatable)"),
    scope: str = typer.Option(DEFAULT_SCOPE, "--scope"),
) -> None:
    """Create a secret from key=value pairs."""
    with cli_errors():
        body = {"name": name, "scope": scope, "data": _literals(from_literal)}
        connect().post("/v1/secret", body)
    console.print(f"Secret [bold]{name}[/bold] created in scope {scope}")


def update_secret(
    name: str = typer.Argument(..., help="Secret name"),
    from_literal: list[str] = typer.Option(..., "--from-literal", help="key=value (repeatable)"),
    scope: str = typer.Option(DEFAULT_SCOPE, "--scope"),
) -> None:
    """Replace a secret's key/values."""
    with cli_errors():
        body = {"name": name, "scope": scope, "data": _literals(from_literal)}
        connect().put("/v1/secret", body)
    console.print(f"Secret [bold]{name}[/bold] updated")


def delete_secret(
    name: str = typer.Argument(..., help="Secret name"),
    scope: str = typer.Option(DEFAULT_SCOPE, "--scope"),
) -> None:
    """Delete a secret."""
    with cli_errors():
        connect().request("DELETE", "/v1/secret", params={"name": name, "scope": scope})
    console.print(f"Secret [bold]{name}[/bold] deleted")


def get_secret(
    name: str | None = typer.Argument(None, help="One secret; all when omitted"),
    scope: str | None = typer.Option(None, "--scope"),
    output: OutputFormat = OutputOption,
) -> None:
    """List secrets with their keys (values are never shown)."""
    with cli_errors():
        answer = connect().get("/v1/secret", {"name": name, "scope": scope})
    rows = [(s["name"], s["scope"], ", ".join(s.get("keys", []))) for s in answer["Secrets"]]
    show(answer, output, lambda _: print_table("Secrets", ("NAME", "SCOPE", "KEYS"), rows))


def register(app: typer.Typer) -> None:
    create_app.command("secret")(create_secret)
    update_app.command("secret")(update_secret)
    delete_app.command("secret")(delete_secret)
    get_app.command("secret")(get_secret)
