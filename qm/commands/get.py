"""`qm get project|stage|service|event`: read projects and the event audit trail."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from qm.client import connect
from qm.output import OutputFormat, OutputOption, cli_errors, print_table, show

get_app = typer.Typer(
    help="Read projects, stages, services, events, sequences, secrets and tokens.",
    no_args_is_help=True,
)


def _projects_table(projects: list[dict[str, Any]]) -> None:
    rows = [
        (
            p["projectName"],
            ", ".join(s["stageName"] for s in p.get("stages", [])),
            p.get("gitCommitID", ""),
            p.get("creationDate", ""),
        )
        for p in projects
    ]
    print_table("Projects", ("NAME", "STAGES", "COMMIT", "CREATED"), rows)


@get_app.command("project")
def get_project(
    name: str | None = typer.Argument(None, help="One project; all when omitted"),
    output: OutputFormat = OutputOption,
) -> None:
    """List projects, or show one."""
    with cli_errors():
        client = connect()
        if name:
            project = client.get(f"/v1/project/{name}")
            show(project, output, lambda p: _projects_table([p]))
        else:
            answer = client.get("/v1/project")
            show(answer, output, lambda a: _projects_table(a["projects"]))


@get_app.command("stage")
def get_stage(
    project: str = typer.Option(..., "--project", "-p"),
    output: OutputFormat = OutputOption,
) -> None:
    """List a project's stages, in shipyard order."""
    with cli_errors():
        answer = connect().get(f"/v1/project/{project}/stage")
    rows = [
        (
            s["stageName"],
            ", ".join(s.get("parentStages", [])),
            ", ".join(v["serviceName"] for v in s.get("services", [])),
        )
        for s in answer["stages"]
    ]
    show(
        answer,
        output,
        lambda _: print_table(f"Stages of {project}", ("STAGE", "AFTER", "SERVICES"), rows),
    )


@get_app.command("service")
def get_service(
    name: str | None = typer.Argument(None, help="One service; all when omitted"),
    project: str = typer.Option(..., "--project", "-p"),
    stage: str | None = typer.Option(None, "--stage", "-s", help="One stage; all when omitted"),
    output: OutputFormat = OutputOption,
) -> None:
    """What runs where: each service's deployed version per stage, since when, the run that
    deployed it, what ran before, and a version staged for release."""
    with cli_errors():
        client = connect()
        stages = client.get(f"/v1/project/{project}/stage")["stages"]
        if stage is not None:
            stages = [s for s in stages if s["stageName"] == stage]
            if not stages:
                client.get(f"/v1/project/{project}/stage/{stage}")  # says why (404)
    for entry in stages:
        entry["services"] = [
            s for s in entry.get("services", []) if name is None or s["serviceName"] == name
        ]
    if name is not None and not any(entry["services"] for entry in stages):
        with cli_errors():
            client.get(f"/v1/project/{project}/stage/{stages[0]['stageName']}/service/{name}")
    answer = {"stages": stages}
    show(answer, output, lambda _: _services_table(project, stages))


def _services_table(project: str, stages: list[dict[str, Any]]) -> None:
    rows = []
    for entry in stages:
        for service in entry["services"]:
            running = service.get("deployment") or {}
            rows.append(
                (
                    service["serviceName"],
                    entry["stageName"],
                    _deployment(running),
                    str(running.get("since", ""))[:19].replace("T", " "),
                    str(running.get("keptnContext", ""))[:8],
                    _deployment(service.get("previousDeployment")),
                    _deployment(service.get("stagedDeployment")),
                )
            )
    print_table(
        f"What runs where in {project}",
        ("SERVICE", "STAGE", "RUNS", "SINCE (UTC)", "CONTEXT", "BEFORE", "STAGED"),
        rows,
    )


def _deployment(deployment: dict[str, Any] | None) -> str:
    """`version image (strategy)`, the image by its last path segment; "-" when nothing is
    known to run (`-o json` has it all)."""
    if not deployment:
        return "-"
    version = str(deployment.get("version", "")).rsplit("/", 1)[-1]  # an image when no version
    image = str(deployment.get("image") or "").rsplit("/", 1)[-1]
    text = version if image in ("", version) else f"{version} {image}"
    if deployment.get("strategy"):
        text += f" ({deployment['strategy']})"
    return escape(text)


@get_app.command("event")
def get_event(
    event_type: str | None = typer.Argument(None, help="e.g. evaluation.finished; all if omitted"),
    project: str | None = typer.Option(None, "--project", "-p"),
    stage: str | None = typer.Option(None, "--stage", "-s"),
    service: str | None = typer.Option(None, "--service"),
    keptn_context: str | None = typer.Option(None, "--keptn-context", "-c"),
    page_size: int = typer.Option(20, "--page-size", min=1, max=100),
    output: OutputFormat = OutputOption,
) -> None:
    """Show stored events, newest first (give --project or --keptn-context)."""
    with cli_errors():
        answer = connect().get(
            "/v1/event",
            {
                "project": project,
                "stage": stage,
                "service": service,
                "keptnContext": keptn_context,
                "type": event_type,
                "pageSize": page_size,
            },
        )
    rows = [
        (
            e.get("time", ""),
            e.get("type", ""),
            "/".join(str(e.get("data", {}).get(k, "")) for k in ("project", "stage", "service")),
            e.get("source", ""),
            e.get("shkeptncontext", ""),
        )
        for e in answer["events"]
    ]
    show(
        answer,
        output,
        lambda _: print_table("Events", ("TIME", "TYPE", "SCOPE", "SOURCE", "CONTEXT"), rows),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(get_app, name="get")
