"""`qm apply|get|update|delete uniform` and `qm get integrations`: which tool carries out which
task, and the integrations registered through Keptn's API."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import typer

from qm.client import ApiClient, CliError, connect
from qm.commands.get import get_app
from qm.commands.projects import delete_app, update_app
from qm.output import OutputFormat, OutputOption, cli_errors, console, print_table, show

apply_app = typer.Typer(help="Apply configuration: a project's uniform.", no_args_is_help=True)
APPLY_WAIT_S = 60.0

EDIT_HELP = (
    "Edits: TASK+=SERVICE[,SERVICE...] (these services also carry out TASK), TASK-=SERVICE "
    "(no longer), TASK=SERVICE (exactly these). SERVICE is a service of the uniform; with "
    "--stage the edit is for that stage only."
)


def _path(project: str) -> str:
    return f"/v1/project/{project}/uniform"


def _wait_applied(client: ApiClient, project: str, commit: str, timeout_s: float) -> dict[str, Any]:
    """The project's uniform once the applier has brought the bus to `commit`."""
    deadline = time.monotonic() + timeout_s
    with console.status(f"Applying commit {commit} to the bus's rules..."):
        while True:
            state: dict[str, Any] = client.get(_path(project))
            applied = state.get("applied") or {}
            if str(applied.get("commitID") or "") >= commit:
                return state  # this commit, or a later one, is on the bus
            if time.monotonic() > deadline:
                raise CliError(
                    f"commit {commit} is stored but its rules are not applied after "
                    f"{timeout_s:.0f} s; see qm get uniform --project {project}",
                )
            time.sleep(0.5)


def _selector(subscription: dict[str, Any]) -> str:
    """Which events of its type it takes: its filters (an integration's) and its selector."""
    parts = [
        f"{key} {','.join(values)}"
        for key, values in (subscription.get("filter") or {}).items()
        if values and not (key == "projects" and subscription["origin"] == "uniform")
    ]
    selector = subscription.get("selector") or {}
    parts += [f"{key}={value}" for key, value in (selector.get("matchLabels") or {}).items()]
    parts += [
        f"{e['key']} {e['operator']} {','.join(e.get('values') or [])}".strip()
        for e in selector.get("matchExpressions") or []
    ]
    return "; ".join(parts) or "all"


def _delivery(subscription: dict[str, Any]) -> str:
    if subscription["kind"] == "http-poll":
        return "it polls"
    if subscription["kind"] == "webhook" and subscription["target"].startswith("webhook.yaml"):
        return "webhook.yaml entries"  # the webhooks handler gets every event: no rule
    return "rule on the bus" if subscription.get("rule") else "not applied"


def _subscriptions_table(title: str, subscriptions: list[dict[str, Any]]) -> None:
    rows = [
        (
            s["owner"],
            s["event"].removeprefix("sh.keptn.event."),
            s["kind"],
            s["target"],
            _selector(s),
            _delivery(s),
        )
        for s in subscriptions
    ]
    print_table(title, ("SERVICE", "EVENT", "KIND", "TARGET", "FOR", "DELIVERY"), rows)


def _report(answer: dict[str, Any], project: str) -> None:
    for change in answer.get("changes") or []:
        console.print(f"  {change}")
    for warning in answer.get("warnings") or []:
        console.print(f"[yellow]warning:[/yellow] {warning}", soft_wrap=True)
    uncovered = answer.get("uncovered") or []
    if uncovered:
        console.print(
            f"[yellow]{len(uncovered)} task(s) of project {project}'s shipyard have no "
            "executor[/yellow] (a run reaching one ends errored at once):"
        )
        for gap in uncovered:
            console.print(f"  {gap}")


def _finish(client: ApiClient, project: str, answer: dict[str, Any], wait: bool) -> None:
    _report(answer, project)
    if not wait:
        console.print(f"Commit {answer['commitID']} stored; its rules follow.")
        return
    state = _wait_applied(client, project, answer["commitID"], APPLY_WAIT_S)
    applied = state["applied"]
    _subscriptions_table(f"Uniform {state['name']} of {project}", state["subscriptions"])
    if applied["errors"]:
        for error in applied["errors"]:
            console.print(f"[red]not applied:[/red] {error}", soft_wrap=True)
        raise CliError(f"commit {applied['commitID']} applied with errors", exit_code=1)
    console.print(f"Commit {applied['commitID']} applied at {applied['time']}.")


@apply_app.command("uniform")
def apply_uniform(
    file: Path = typer.Argument(..., help="uniform.yaml"),
    project: str = typer.Option(..., "--project", "-p"),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="wait until the rules follow"),
) -> None:
    """Apply a uniform to a project: its services receive the events they subscribe to."""
    with cli_errors():
        if not file.is_file():
            raise CliError(f"{file}: no such file", exit_code=2)
        client = connect()
        body = {"uniform": base64.b64encode(file.read_bytes()).decode()}
        answer = client.put(_path(project), body)
        _finish(client, project, answer, wait)


@update_app.command("uniform", help=f"Edit a project's uniform. {EDIT_HELP}")
def update_uniform(
    edits: list[str] = typer.Argument(..., help="e.g. tests+=selenium"),
    project: str = typer.Option(..., "--project", "-p"),
    stage: str | None = typer.Option(None, "--stage", "-s", help="the stage the edits are for"),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="wait until the rules follow"),
) -> None:
    with cli_errors():
        client = connect()
        body: dict[str, Any] = {"edits": edits, **({"stage": stage} if stage else {})}
        answer = client.request("PATCH", _path(project), json=body)
        _finish(client, project, answer, wait)


@get_app.command("uniform")
def get_uniform(
    project: str = typer.Option(..., "--project", "-p"),
    output: OutputFormat = OutputOption,
) -> None:
    """Show which service carries out which task of a project, and what has none."""
    with cli_errors():
        state = connect().get(_path(project))

    def render(found: dict[str, Any]) -> None:
        if not found["commitID"] and not found["subscriptions"]:
            console.print(f"Project {project} has no uniform: its tools subscribe themselves.")
            return
        _subscriptions_table(
            f"Uniform {found['name'] or '(none)'} of {project}", found["subscriptions"]
        )
        applied = found.get("applied")
        if applied:
            console.print(
                f"Applied: commit {applied['commitID'] or '-'} at {applied['time']} "
                f"({applied['state']})."
            )
            for error in applied["errors"]:
                console.print(f"[red]not applied:[/red] {error}", soft_wrap=True)
        _report(found, project)

    show(state, output, render)


@delete_app.command("uniform")
def delete_uniform(project: str = typer.Option(..., "--project", "-p")) -> None:
    """Remove a project's uniform; its rules go, and its tools subscribe themselves again."""
    with cli_errors():
        answer = connect().delete(_path(project))
    console.print(f"Uniform of {project} removed (commit {answer['commitID']}).")


def _error_summary(client: ApiClient, integration: str) -> tuple[int, str]:
    page = client.get("/v1/log", {"integrationId": integration, "pageSize": 1})
    latest = page["logs"][0]["message"] if page["logs"] else ""
    return int(page["totalCount"]), latest


@get_app.command("integrations")
def get_integrations(output: OutputFormat = OutputOption) -> None:
    """List integrations registered through Keptn's API, when each was last seen, and their
    errors."""
    with cli_errors():
        client = connect()
        found: list[dict[str, Any]] = client.get("/v1/uniform/registration")
        for integration in found:
            count, latest = _error_summary(client, integration["id"])
            integration["errors"] = {"count": count, "latest": latest}

    def render(listed: list[dict[str, Any]]) -> None:
        rows = [
            (
                i["name"],
                i["id"][:12],
                i["metadata"].get("hostname", ""),
                i["metadata"].get("integrationversion", ""),
                i["metadata"].get("lastseen", ""),
                ", ".join(s["event"].removeprefix("sh.keptn.event.") for s in i["subscriptions"]),
                f"{i['errors']['count']}: {i['errors']['latest']}" if i["errors"]["count"] else "0",
            )
            for i in listed
        ]
        columns = ("NAME", "ID", "HOST", "VERSION", "LAST SEEN", "EVENTS", "ERRORS (LATEST)")
        print_table("Integrations", columns, rows)

    show(found, output, render)


def register(app: typer.Typer) -> None:
    app.add_typer(apply_app, name="apply")
