"""`qm update shipyard --project P "sli_provider+=prometheus,neoload"`: the project settings an
SRE keeps with the shipyard, edited with the same grammar as the uniform (KEY=VALUE[,VALUE],
KEY+=VALUE[,VALUE], KEY-=VALUE[,VALUE]).

One key today: `sli_provider`, the SLI providers the project's quality gates ask (Keptn's
`sli-provider`, also set by `qm configure monitoring`), in order: the first is the main
provider, the others its `also` list. Each SLI is asked of the first provider whose own
`<provider>/sli.yaml` defines it, any other of the main one (docs/sli-providers.md).
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
    "Edits: sli_provider=A[,B...] (exactly these SLI providers, in this order: the first is "
    "the main one), sli_provider+=A[,B...] (these too, after the project's), sli_provider-=A "
    "(not this one). Providers: cloudwatch, prometheus (give its server with --url the first "
    "time), or the name your own SLI provider answers to. Each SLI is asked of the first "
    "provider whose <provider>/sli.yaml defines it, any other of the main one."
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
    if not values:
        raise CliError(f"edit '{text}' names no provider. {GRAMMAR}", exit_code=2)
    if len(set(values)) != len(values):
        raise CliError(f"edit '{text}' names a provider twice; name each once", exit_code=2)
    return found["key"], found["op"], values


def edited(
    current: dict[str, Any] | None,
    op: str,
    values: list[str],
    text: str,
    project: str,
    url: str | None = None,
    secret: str | None = None,
) -> dict[str, Any]:
    """The project's monitoring settings after one edit (`current`: as the API has them)."""
    before = [current["provider"], *current.get("also", [])] if current else []
    if op == "=":
        after = list(values)
    elif op == "+=":
        after = before + [value for value in values if value not in before]
    else:
        unknown = [value for value in values if value not in before]
        if unknown:
            asked = ", ".join(before) or "none"
            raise CliError(
                f"edit '{text}': project {project} does not ask {', '.join(unknown)} for its "
                f"SLIs (it asks: {asked})",
                exit_code=2,
            )
        after = [value for value in before if value not in values]
        if not after:
            raise CliError(
                f"edit '{text}' would leave project {project}'s quality gates without an SLI "
                "provider; name the one to use instead with sli_provider=NAME",
                exit_code=2,
            )
    settings: dict[str, Any] = {"provider": after[0]}
    if after[1:]:
        settings["also"] = after[1:]
    if "prometheus" in after:
        kept_url = current.get("url") if current else None
        if not (url or kept_url):
            raise CliError(
                f"edit '{text}': prometheus needs its server's URL, which project {project} "
                "has not set: add --url http://<prometheus>:9090 (and --secret NAME for "
                "credentials)",
                exit_code=2,
            )
        settings["url"] = url or kept_url
        if secret or (current and current.get("secret")):
            settings["secret"] = secret or (current or {}).get("secret")
    return settings


def _current(client: ApiClient, project: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = client.get(f"/v1/project/{project}/monitoring")
    except CliError as error:
        if error.message.startswith("404"):
            return None
        raise
    return found


def _said(settings: dict[str, Any]) -> str:
    return ", then ".join([settings["provider"], *settings.get("also", [])])


@update_app.command("shipyard", help=f"Edit a project's shipyard settings. {GRAMMAR}")
def update_shipyard(
    edits: list[str] = typer.Argument(..., help="e.g. sli_provider+=prometheus,neoload"),
    project: str = typer.Option(..., "--project", "-p"),
    url: str | None = typer.Option(
        None, "--url", help="Prometheus: the server's base URL (when the edit adds prometheus)"
    ),
    secret: str | None = typer.Option(
        None, "--secret", help="Prometheus: a secret with user/password or token"
    ),
) -> None:
    with cli_errors():
        parsed = [(_parse(text), text) for text in edits]  # all checked before any change
        client = connect()
        current = _current(client, project)
        settings = current
        for (_, op, values), text in parsed:
            settings = edited(settings, op, values, text, project, url, secret)
        assert settings is not None
        if current is not None and settings == current:
            console.print(f"project {project} already asks {_said(settings)} for its SLIs")
            return
        client.put(f"/v1/project/{project}/monitoring", settings)
        console.print(f"project {project} now asks {_said(settings)} for its SLIs")


def register(app: typer.Typer) -> None:
    """The command joins `qm update` (qm/commands/projects.py)."""
