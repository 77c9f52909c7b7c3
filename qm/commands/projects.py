"""`qm create|update|delete project|service`: manage projects and services."""

from __future__ import annotations

import base64
from pathlib import Path

import typer

from qm.client import CliError, connect
from qm.output import cli_errors, console

create_app = typer.Typer(
    help="Create projects, services, secrets and API tokens.", no_args_is_help=True
)
update_app = typer.Typer(
    help=(
        "Update a project: its shipyard file, its settings and its uniform.\n\n"
        "Edits (qm update uniform|shipyard): KEY+=VALUE[,VALUE...] adds, KEY-=VALUE removes, "
        "KEY=VALUE[,VALUE...] sets exactly. For the uniform, KEY is a task and VALUE a service "
        'of the uniform: qm update uniform --project P --stage hardening "tests+=selenium" '
        "makes selenium carry out the task tests in stage hardening (without --stage: in every "
        "stage). For the shipyard, KEY is sli_provider, the SLI providers the quality gates "
        'ask, the first being the main one: qm update shipyard --project P "sli_provider+='
        'prometheus,neoload" --url http://prom:9090 adds both. An edit that is ambiguous, or '
        "names what does not exist, is refused with what to write instead (docs/uniform.md, "
        "Editing)."
    ),
    no_args_is_help=True,
)
delete_app = typer.Typer(
    help="Delete projects, services, secrets and API tokens.", no_args_is_help=True
)


TASK_WAIT_HELP = "How long a task may wait for its first answer, e.g. 15m (default 10m)"


def _encoded(path: Path) -> str:
    if not path.is_file():
        raise CliError(f"{path}: no such file", exit_code=2)
    return base64.b64encode(path.read_bytes()).decode()


@create_app.command("project")
def create_project(
    name: str = typer.Argument(..., help="Project name"),
    shipyard: Path = typer.Option(..., "--shipyard", help="shipyard.yaml"),
    git_remote_url: str | None = typer.Option(None, "--git-remote-url"),
    git_user: str | None = typer.Option(None, "--git-user"),
    task_wait: str | None = typer.Option(None, "--task-wait", help=TASK_WAIT_HELP),
) -> None:
    """Create a project from its shipyard."""
    with cli_errors():
        body = {"name": name, "shipyard": _encoded(shipyard)}
        body |= {
            key: value
            for key, value in (
                ("gitRemoteURL", git_remote_url),
                ("gitUser", git_user),
                ("taskStartedWaitDuration", task_wait),
            )
            if value
        }
        connect().post("/v1/project", body)
    console.print(f"Project [bold]{name}[/bold] created")


@update_app.command("project")
def update_project(
    name: str = typer.Argument(..., help="Project name"),
    shipyard: Path | None = typer.Option(None, "--shipyard", help="shipyard.yaml (same stages)"),
    task_wait: str | None = typer.Option(None, "--task-wait", help=TASK_WAIT_HELP),
) -> None:
    """Replace a project's shipyard (its stages must stay the same) or its task wait."""
    with cli_errors():
        if shipyard is None and task_wait is None:
            raise CliError("give --shipyard, --task-wait or both", exit_code=2)
        body: dict[str, str] = {"name": name}
        if shipyard is not None:
            body["shipyard"] = _encoded(shipyard)
        if task_wait is not None:
            body["taskStartedWaitDuration"] = task_wait
        connect().put("/v1/project", body)
    console.print(f"Project [bold]{name}[/bold] updated")


@create_app.command("service")
def create_service(
    name: str = typer.Argument(..., help="Service name"),
    project: str = typer.Option(..., "--project", "-p"),
) -> None:
    """Create a service in every stage of a project."""
    with cli_errors():
        connect().post(f"/v1/project/{project}/service", {"serviceName": name})
    console.print(f"Service [bold]{name}[/bold] created in project {project}")


@delete_app.command("project")
def delete_project(name: str = typer.Argument(..., help="Project name")) -> None:
    """Delete a project with all it holds; its active sequences are aborted (events are kept)."""
    with cli_errors():
        answer = connect().delete(f"/v1/project/{name}")
    console.print(answer.get("message", "deleted"))


@delete_app.command("service")
def delete_service(
    name: str = typer.Argument(..., help="Service name"),
    project: str = typer.Option(..., "--project", "-p"),
) -> None:
    """Delete a service from a project."""
    with cli_errors():
        answer = connect().delete(f"/v1/project/{project}/service/{name}")
    console.print(answer.get("message", "deleted"))


def register(app: typer.Typer) -> None:
    app.add_typer(create_app, name="create")
    app.add_typer(update_app, name="update")
    app.add_typer(delete_app, name="delete")
