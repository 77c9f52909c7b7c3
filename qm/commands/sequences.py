"""`qm trigger delivery|sequence` and `qm get sequences`: start and follow shipyard sequences."""

from __future__ import annotations

from typing import Any

import typer

from qm.client import ApiClient, CliError, connect
from qm.commands.get import get_app
from qm.output import OutputFormat, OutputOption, cli_errors, console, print_table, show
from qm.watch import watch

trigger_app = typer.Typer(help="Start sequences.", no_args_is_help=True)
CLI_SOURCE = "https://github.com/keptn/keptn/cli#configuration-change"
WATCH_HELP = "Follow the run until it ends; exit 0 on pass/warning, 1 on fail"


def key_values(values: list[str], option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise CliError(f"{option} '{value}' must look like key=value", exit_code=2)
        found[key] = item
    return found


def _send_trigger(
    client: ApiClient, project: str, stage: str, sequence: str, service: str, data: dict[str, Any]
) -> str:
    event = {
        "specversion": "1.0",
        "source": CLI_SOURCE,
        "type": f"sh.keptn.event.{stage}.{sequence}.triggered",
        "data": {"project": project, "stage": stage, "service": service, **data},
    }
    answer = client.post("/v1/event", event)
    context: str = answer["keptnContext"]
    console.print(f"Started {stage}.{sequence} for {service}: keptnContext [bold]{context}[/bold]")
    return context


def _finish(client: ApiClient, project: str, context: str, follow: bool, timeout: float) -> None:
    if follow:
        raise typer.Exit(watch(client, project, context, console, timeout))


@trigger_app.command("delivery")
def trigger_delivery(
    project: str = typer.Option(..., "--project", "-p"),
    service: str = typer.Option(..., "--service"),
    image: str = typer.Option(..., "--image", help="e.g. ghcr.io/acme/cart:1.4.2"),
    stage: str | None = typer.Option(None, "--stage", "-s", help="Default: the first stage"),
    sequence: str = typer.Option("delivery", "--sequence"),
    labels: list[str] = typer.Option([], "--labels", "-l", help="key=value (repeatable)"),
    values: list[str] = typer.Option([], "--values", help="key=value deployment values"),
    follow: bool = typer.Option(False, "--watch", help=WATCH_HELP),
    timeout: float = typer.Option(3600, "--timeout", help="Seconds to watch at most"),
) -> None:
    """Deliver a new image: sends <stage>.<sequence>.triggered with configurationChange."""
    with cli_errors():
        client = connect()
        project_body = client.get(f"/v1/project/{project}")
        stages = [s["stageName"] for s in project_body["stages"]]
        chosen = stage or stages[0]
        services = {s["serviceName"] for s in project_body["stages"][0]["services"]}
        if service not in services:
            raise CliError(f"service '{service}' does not exist in project '{project}'")
        data: dict[str, Any] = {
            "configurationChange": {"values": {**key_values(values, "--values"), "image": image}}
        }
        if labels:
            data["labels"] = key_values(labels, "--labels")
        context = _send_trigger(client, project, chosen, sequence, service, data)
        _finish(client, project, context, follow, timeout)


@trigger_app.command("sequence")
def trigger_sequence(
    sequence: str = typer.Argument(..., help="A sequence of the shipyard"),
    project: str = typer.Option(..., "--project", "-p"),
    stage: str = typer.Option(..., "--stage", "-s"),
    service: str = typer.Option(..., "--service"),
    labels: list[str] = typer.Option([], "--labels", "-l", help="key=value (repeatable)"),
    follow: bool = typer.Option(False, "--watch", help=WATCH_HELP),
    timeout: float = typer.Option(3600, "--timeout", help="Seconds to watch at most"),
) -> None:
    """Start any sequence of the shipyard: sends <stage>.<sequence>.triggered."""
    with cli_errors():
        client = connect()
        data: dict[str, Any] = {"labels": key_values(labels, "--labels")} if labels else {}
        context = _send_trigger(client, project, stage, sequence, service, data)
        _finish(client, project, context, follow, timeout)


def _stage_summary(stage: dict[str, Any]) -> str:
    return f"{stage['name']}:{stage['state']}"


@get_app.command("sequences")
def get_sequences(
    project: str = typer.Option(..., "--project", "-p"),
    keptn_context: str | None = typer.Option(None, "--keptn-context", "-c"),
    follow: bool = typer.Option(False, "--watch", help=WATCH_HELP + " (the newest, or -c)"),
    timeout: float = typer.Option(3600, "--timeout", help="Seconds to watch at most"),
    output: OutputFormat = OutputOption,
) -> None:
    """List sequence runs, newest first, with the state of each stage."""
    with cli_errors():
        client = connect()
        answer = client.get(f"/v1/sequence/{project}", {"keptnContext": keptn_context})
        if follow:
            if not answer["states"]:
                raise CliError(f"no sequence has run in project '{project}' yet")
            context = keptn_context or answer["states"][0]["shkeptncontext"]
            raise typer.Exit(watch(client, project, context, console, timeout))
    rows = [
        (
            s["time"],
            s["name"],
            s["service"],
            s["state"],
            " ".join(_stage_summary(stage) for stage in s.get("stages", [])),
            s["shkeptncontext"],
        )
        for s in answer["states"]
    ]
    columns = ("TIME", "SEQUENCE", "SERVICE", "STATE", "STAGES", "CONTEXT")
    show(answer, output, lambda _: print_table(f"Sequences of {project}", columns, rows))


def register(app: typer.Typer) -> None:
    app.add_typer(trigger_app, name="trigger")
    register_control(app)


def _control(command: str) -> Any:
    def control(
        project: str = typer.Option(..., "--project", "-p"),
        keptn_context: str = typer.Option(..., "--keptn-context", "-c"),
        stage: str | None = typer.Option(None, "--stage", "-s", help="Default: every stage"),
    ) -> None:
        with cli_errors():
            answer = connect().post(
                f"/v1/sequence/{project}/{keptn_context}/control",
                {"state": command, **({"stage": stage} if stage else {})},
            )
        console.print(answer["message"])

    control.__doc__ = {
        "pause": "Pause a run: running tasks finish, the next ones wait until resumed.",
        "resume": "Resume a paused run: held tasks are sent.",
        "abort": "Abort a run: it ends as aborted and the next queued run starts.",
    }[command]
    return control


def skip_task(
    project: str = typer.Option(..., "--project", "-p"),
    keptn_context: str = typer.Option(..., "--keptn-context", "-c"),
    stage: str | None = typer.Option(None, "--stage", "-s", help="Default: every stage"),
    reason: str = typer.Option("", "--reason", help="Why; recorded in the task's .finished"),
) -> None:
    """Skip the task a run waits on: it finishes as passed and the run goes on (not approvals)."""
    with cli_errors():
        body = {"state": "skip", "reason": reason, **({"stage": stage} if stage else {})}
        answer = connect().post(f"/v1/sequence/{project}/{keptn_context}/control", body)
    console.print(answer["message"])


def register_control(app: typer.Typer) -> None:
    for command in ("pause", "resume", "abort"):
        group = typer.Typer(help=f"{command.capitalize()} sequences.", no_args_is_help=True)
        group.command("sequence")(_control(command))
        app.add_typer(group, name=command)
    skip_app = typer.Typer(help="Skip the task a run waits on.", no_args_is_help=True)
    skip_app.command("task")(skip_task)
    app.add_typer(skip_app, name="skip")
