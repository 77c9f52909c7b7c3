"""`qm register webhook` and `qm get webhooks`: webhook.yaml entries without editing YAML."""

from __future__ import annotations

from urllib.parse import quote

import typer

from qm.client import CliError, connect
from qm.commands.get import get_app
from qm.output import OutputFormat, OutputOption, cli_errors, console, print_table, show

register_app = typer.Typer(
    help="Register a webhook (written to webhook.yaml as a new commit).", no_args_is_help=True
)


def _pairs(values: list[str], option: str, separator: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition(separator)
        if not sep or not key.strip():
            raise CliError(f"{option} '{value}' must look like name{separator}value", exit_code=2)
        pairs.append((key.strip(), rest.strip()))
    return pairs


@register_app.command("webhook")
def register_webhook(
    url: str = typer.Argument(..., help="where to send the request (a Go template)"),
    project: str = typer.Option(..., "--project", "-p"),
    stage: str | None = typer.Option(None, "--stage", "-s", help="the stage's file"),
    service: str | None = typer.Option(None, "--service", help="the service's file (with --stage)"),
    action: str | None = typer.Option(None, "--action", help="the task it answers, e.g. test"),
    event: str | None = typer.Option(None, "--event", help="or any event type it runs for"),
    method: str = typer.Option("POST", "--method", "-X"),
    header: list[str] = typer.Option([], "--header", "-H", help="'Name: value' (repeatable)"),
    payload: str | None = typer.Option(None, "--payload", "-d", help="the body (a Go template)"),
    secret: list[str] = typer.Option(
        [],
        "--secret",
        help="name=secret.key: {{.env.name}} is that key of the secret (scope "
        "keptn-webhook-service); repeatable",
    ),
    chat: str | None = typer.Option(None, "--format", help="slack or teams: a chat message"),
    on_result: list[str] = typer.Option([], "--on-result", help="only for these results"),
    receiver_finishes: bool = typer.Option(
        False,
        "--receiver-finishes",
        help="the called system sends the task's .finished itself (sendFinished: false)",
    ),
    output: OutputFormat = OutputOption,
) -> None:
    """Add a webhook to the project's, a stage's or a service's webhook.yaml."""
    with cli_errors():
        if (action is None) == (event is None):
            raise CliError("give --action TASK or --event TYPE", exit_code=2)
        secrets = []
        for name, reference in _pairs(secret, "--secret", "="):
            secret_name, dot, key = reference.rpartition(".")
            if not dot or not secret_name or not key:
                raise CliError(f"--secret '{name}={reference}' must be name=secret.key", 2)
            secrets.append({"name": name, "secret": secret_name, "key": key})
        body = {
            "stage": stage,
            "service": service,
            "task": action,
            "type": event,
            "url": url,
            "method": method.upper(),
            "headers": dict(_pairs(header, "--header", ":")),
            "payload": payload,
            "format": chat,
            "secrets": secrets,
            "results": on_result,
            "sendFinished": not receiver_finishes,
        }
        answer = connect().post(f"/v1/project/{quote(project, safe='')}/webhook", body)
    where = " / ".join(
        part for part in (project, answer.get("stage"), answer.get("service")) if part
    )
    show(
        answer,
        output,
        lambda _: console.print(
            f"Webhook for [bold]{answer['webhook']['type']}[/bold] added to {where} "
            f"(commit {answer['commit']})"
        ),
    )


def get_webhooks(
    project: str = typer.Option(..., "--project", "-p"),
    output: OutputFormat = OutputOption,
) -> None:
    """List the webhooks of a project, scope by scope."""
    with cli_errors():
        answer = connect().get(f"/v1/project/{quote(project, safe='')}/webhook")
    rows = [
        (
            row.get("stage") or "(project)",
            row.get("service") or "",
            row.get("type") or "",
            "yes" if row.get("sendFinished") else "no",
            row.get("error") or ", ".join(row.get("requests") or []),
        )
        for row in answer["webhooks"]
    ]
    show(
        answer,
        output,
        lambda _: print_table(
            f"Webhooks of {project}", ("STAGE", "SERVICE", "EVENT", "FINISHES", "REQUESTS"), rows
        ),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(register_app, name="register")
    get_app.command("webhooks")(get_webhooks)
