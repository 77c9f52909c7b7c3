"""`qm send event` and `qm add-resource`: put things into Quartermaster."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

import typer

from qm.client import CliError, connect
from qm.output import cli_errors, console


def send_event(
    file: Path = typer.Option(..., "--file", "-f", help="A CloudEvent as JSON"),
) -> None:
    """Send a Keptn CloudEvent (structured JSON) to /v1/event."""
    with cli_errors():
        if not file.is_file():
            raise CliError(f"{file}: no such file", exit_code=2)
        try:
            event = json.loads(file.read_text())
        except json.JSONDecodeError as error:
            raise CliError(f"{file}: not valid JSON: {error}", exit_code=2) from error
        answer = connect().post("/v1/event", event)
    console.print(f"Event sent: keptnContext [bold]{answer['keptnContext']}[/bold]")
    console.print(f"id {answer.get('id')}")


def add_resource(
    project: str = typer.Option(..., "--project", "-p"),
    resource: Path = typer.Option(..., "--resource", help="The local file"),
    resource_uri: str | None = typer.Option(
        None, "--resourceUri", "--resource-uri", help="Where to store it (default: file name)"
    ),
    stage: str | None = typer.Option(None, "--stage", "-s"),
    service: str | None = typer.Option(None, "--service"),
) -> None:
    """Store a configuration file for a project, a stage, or a service in a stage."""
    with cli_errors():
        if service and not stage:
            raise CliError("--service needs --stage: services have files per stage", exit_code=2)
        if not resource.is_file():
            raise CliError(f"{resource}: no such file", exit_code=2)
        path = f"/v1/project/{quote(project)}"
        if stage:
            path += f"/stage/{quote(stage)}"
        if service:
            path += f"/service/{quote(service)}"
        uri = resource_uri or resource.name
        body = {
            "resources": [
                {
                    "resourceURI": uri,
                    "resourceContent": base64.b64encode(resource.read_bytes()).decode(),
                }
            ]
        }
        answer = connect().post(f"{path}/resource", body)
    console.print(f"Stored {uri} (commit {answer['commitID']})")


def register(app: typer.Typer) -> None:
    send_app = typer.Typer(help="Send events.", no_args_is_help=True)
    send_app.command("event")(send_event)
    app.add_typer(send_app, name="send")
    app.command("add-resource")(add_resource)
