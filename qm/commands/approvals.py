"""`qm approve|decline` and `qm get approvals`: the human side of approval tasks."""

from __future__ import annotations

import sys
from typing import Any

import typer

from qm.client import ApiClient, CliError, connect
from qm.commands.get import get_app
from qm.output import OutputFormat, OutputOption, cli_errors, console, print_table, show

APPROVALS = "/v1/event/triggered/sh.keptn.event.approval.triggered"


def open_approvals(
    client: ApiClient, project: str, stage: str | None, service: str | None
) -> list[dict[str, Any]]:
    answer = client.get(APPROVALS, {"project": project, "stage": stage, "service": service})
    events: list[dict[str, Any]] = answer["events"]
    return events


def _rows(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            n,
            e["data"].get("stage"),
            e["data"].get("service"),
            e["data"].get("result", ""),
            (e["data"].get("configurationChange") or {}).get("values", {}).get("image", ""),
            e["id"],
        )
        for n, e in enumerate(events, start=1)
    ]


COLUMNS = ("#", "STAGE", "SERVICE", "RESULT", "IMAGE", "ID")


def _choose(events: list[dict[str, Any]], project: str) -> dict[str, Any]:
    if not events:
        raise CliError(f"no approval is waiting in project '{project}'")
    if not sys.stdin.isatty():
        listed = ", ".join(e["id"] for e in events)
        raise CliError(f"several or no terminal: give --id (open approvals: {listed})", 2)
    print_table("Open approvals", COLUMNS, _rows(events))
    number = int(typer.prompt("Which one", type=int, default=1 if len(events) == 1 else None))
    if not 1 <= number <= len(events):
        raise CliError(f"choose a number from 1 to {len(events)}", 2)
    chosen: dict[str, Any] = events[number - 1]
    return chosen


def _decide(
    decision: str,
    project: str,
    stage: str,
    service: str | None,
    triggered_id: str | None,
    comment: str,
) -> None:
    with cli_errors():
        client = connect()
        if triggered_id is None:
            waiting = open_approvals(client, project, stage, service)
            if len(waiting) == 1 and not sys.stdin.isatty():
                chosen = waiting[0]
            else:
                chosen = _choose(waiting, project)
        else:
            chosen = {"id": triggered_id, "data": {"service": service}}
        target = chosen["data"].get("service") or service
        path = f"/v1/project/{project}/stage/{stage}"
        if target:
            path += f"/service/{target}"
        answer = client.post(
            f"{path}/approval/{chosen['id']}", {"decision": decision, "comment": comment}
        )
    verb = "Approved" if decision == "approve" else "Declined"
    console.print(f"{verb} {chosen['id']} (by {answer['decidedBy']} at {answer['decidedAt']})")


def approve(
    project: str = typer.Option(..., "--project", "-p"),
    stage: str = typer.Option(..., "--stage", "-s"),
    service: str | None = typer.Option(None, "--service"),
    triggered_id: str | None = typer.Option(None, "--id", help="approval.triggered id"),
    comment: str = typer.Option("", "--comment", "-m"),
) -> None:
    """Approve a waiting approval (lists them and asks when no --id is given)."""
    _decide("approve", project, stage, service, triggered_id, comment)


def decline(
    project: str = typer.Option(..., "--project", "-p"),
    stage: str = typer.Option(..., "--stage", "-s"),
    service: str | None = typer.Option(None, "--service"),
    triggered_id: str | None = typer.Option(None, "--id", help="approval.triggered id"),
    comment: str = typer.Option("", "--comment", "-m"),
) -> None:
    """Decline a waiting approval; its sequence ends failed."""
    _decide("decline", project, stage, service, triggered_id, comment)


@get_app.command("approvals")
def get_approvals(
    project: str = typer.Option(..., "--project", "-p"),
    stage: str | None = typer.Option(None, "--stage", "-s"),
    service: str | None = typer.Option(None, "--service"),
    output: OutputFormat = OutputOption,
) -> None:
    """List approvals waiting for a decision."""
    with cli_errors():
        events = open_approvals(connect(), project, stage, service)
    show(
        {"events": events},
        output,
        lambda _: print_table(f"Open approvals in {project}", COLUMNS, _rows(events)),
    )


def register(app: typer.Typer) -> None:
    app.command("approve")(approve)
    app.command("decline")(decline)
