"""`qm update shipyard --project P "sli_provider=prometheus"`: the project settings an SRE keeps
with the shipyard, edited with the same grammar as the uniform (KEY=VALUE, KEY+=VALUE,
KEY-=VALUE).

One key today: `sli_provider`, the SLI provider the project's quality gates ask (Keptn's
`sli-provider`, also set by `qm configure monitoring`). A project's evaluations ask one provider,
so the grammar's list operators work on a list of at most one: `+=` adds the provider when none
is set (or it is already that one), `-=` removes it. Anything that would mean two providers is
refused, saying what to write instead.
"""

from __future__ import annotations

import re
from typing import Any

import typer

from qm.client import ApiClient, CliError, connect
from qm.commands.projects import update_app
from qm.output import cli_errors, console

KEYS = ("sli_provider",)
GRAMMAR = (
    "Edits: sli_provider=NAME (the SLI provider the project's quality gates ask: cloudwatch, "
    "prometheus or your tool's name; prometheus needs its URL, set with qm configure "
    "monitoring), sli_provider+=NAME (the same, when no other provider is set). A project's "
    "evaluations ask one provider."
)
_EDIT = re.compile(r"^(?P<key>[a-z_]+?)(?P<op>\+=|-=|=)(?P<values>[a-z0-9,-]*)$")


def _parse(text: str) -> tuple[str, str, list[str]]:
    found = _EDIT.match(text.strip())
    if found is None:
        raise CliError(f"edit '{text}' is not understood. {GRAMMAR}", exit_code=2)
    if found["key"] not in KEYS:
        raise CliError(
            f"'{found['key']}' is no shipyard setting; the one that can be edited is "
            f"sli_provider (the tasks' executors are edited with qm update uniform)",
            exit_code=2,
        )
    values = [value for value in found["values"].split(",") if value]
    return found["key"], found["op"], values


def _current(client: ApiClient, project: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = client.get(f"/v1/project/{project}/monitoring")
    except CliError as error:
        if error.message.startswith("404"):
            return None
        raise
    return found


def _one(values: list[str], text: str, project: str) -> str:
    if len(values) != 1:
        raise CliError(
            f"edit '{text}' names {len(values)} SLI providers, but project {project}'s quality "
            "gates ask one (Keptn's sli-provider): choose one, e.g. "
            f"sli_provider={values[0]}",
            exit_code=2,
        )
    return values[0]


def _edit_provider(client: ApiClient, project: str, op: str, values: list[str], text: str) -> str:
    if op == "-=":
        raise CliError(
            f"edit '{text}': a project's quality gates need an SLI provider, so it cannot be "
            "removed; switch to another with sli_provider=NAME",
            exit_code=2,
        )
    if not values:
        raise CliError(f"edit '{text}' names no provider. {GRAMMAR}", exit_code=2)
    name = _one(values, text, project)
    current = _current(client, project)
    provider = current.get("provider") if current else None
    if op == "+=" and provider not in (None, name):
        raise CliError(
            f"project {project} already asks {provider} for its SLIs, and a project asks one "
            f"provider: write sli_provider={name} to switch to {name}",
            exit_code=2,
        )
    if provider == name:
        return f"project {project} already asks {name} for its SLIs"
    client.put(f"/v1/project/{project}/monitoring", {"provider": name})
    return f"project {project} now asks {name} for its SLIs"


@update_app.command("shipyard", help=f"Edit a project's shipyard settings. {GRAMMAR}")
def update_shipyard(
    edits: list[str] = typer.Argument(..., help="e.g. sli_provider=prometheus"),
    project: str = typer.Option(..., "--project", "-p"),
) -> None:
    with cli_errors():
        parsed = [(_parse(text), text) for text in edits]  # all checked before any change
        client = connect()
        for (_, op, values), text in parsed:
            console.print(_edit_provider(client, project, op, values, text))


def register(app: typer.Typer) -> None:
    """The command joins `qm update` (qm/commands/projects.py)."""
