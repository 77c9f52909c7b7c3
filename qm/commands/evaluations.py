"""Quality gates from the command line: `qm trigger evaluation`, `qm get evaluations` (the
Bridge's heatmap in text), `qm invalidate evaluation` and `qm configure monitoring`."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from qm.client import ApiClient, CliError, connect
from qm.commands.get import get_app
from qm.commands.sequences import WATCH_HELP, key_values, trigger_app
from qm.output import OutputFormat, OutputOption, cli_errors, console, show
from qm.watch import watch

CLI_SOURCE = "https://github.com/keptn/keptn/cli"
COLOURS = {"pass": "green", "warning": "yellow", "fail": "red", "info": "blue"}
invalidate_app = typer.Typer(help="Invalidate evaluations.", no_args_is_help=True)
configure_app = typer.Typer(help="Configure projects.", no_args_is_help=True)


def _service_path(project: str, stage: str, service: str) -> str:
    return f"/v1/project/{project}/stage/{stage}/service/{service}/evaluation"


@trigger_app.command("evaluation")
def trigger_evaluation(
    project: str = typer.Option(..., "--project", "-p"),
    stage: str = typer.Option(..., "--stage", "-s"),
    service: str = typer.Option(..., "--service"),
    timeframe: str | None = typer.Option(
        None, "--timeframe", help="e.g. 5m, 1h30m: the window ends now (or at --start + it)"
    ),
    start: str | None = typer.Option(None, "--start", help="e.g. 2024-01-01T10:00:00Z"),
    end: str | None = typer.Option(None, "--end", help="with --start"),
    labels: list[str] = typer.Option([], "--labels", "-l", help="key=value (repeatable)"),
    commit: str | None = typer.Option(
        None, "--git-commit-id", help="Evaluate with the SLO file of this configuration version"
    ),
    follow: bool = typer.Option(False, "--watch", help=WATCH_HELP),
    timeout: float = typer.Option(900, "--timeout", help="Seconds to watch at most"),
) -> None:
    """Run the quality gate of a service now (default window: the last 5 minutes)."""
    with cli_errors():
        client = connect()
        body: dict[str, Any] = {
            key: value
            for key, value in {
                "timeframe": timeframe,
                "start": start,
                "end": end,
                "gitcommitid": commit,
            }.items()
            if value
        }
        if labels:
            body["labels"] = key_values(labels, "--labels")
        answer = client.post(_service_path(project, stage, service), body)
        context: str = answer["keptnContext"]
        console.print(f"Started {stage}.evaluation for {service}: keptnContext [bold]{context}[/]")
        if not follow:
            return
        code = watch(client, project, context, console, timeout)
        evaluation = _evaluation_of(client, project, stage, service, context)
        if evaluation is not None:
            _print_evaluation(evaluation)
        raise typer.Exit(code)


def _evaluation_of(
    client: ApiClient, project: str, stage: str, service: str, context: str
) -> dict[str, Any] | None:
    history = client.get(_service_path(project, stage, service), {"limit": 20})["evaluations"]
    return next((entry for entry in history if entry["keptnContext"] == context), None)


def _print_evaluation(evaluation: dict[str, Any]) -> None:
    details = evaluation.get("evaluation") or {}
    result = evaluation.get("result", "")
    colour = COLOURS.get(result, "white")
    console.print(
        f"[bold {colour}]{result}[/] score {details.get('score', 0):.2f}"
        + (f" - {evaluation['message']}" if evaluation.get("message") else ""),
        highlight=False,
    )
    table = Table(title_justify="left")
    for column in ("SLI", "VALUE", "STATUS", "PASS", "WARNING"):
        table.add_column(column, overflow="fold")
    for indicator in details.get("indicatorResults") or []:
        value = indicator.get("value") or {}
        status = indicator.get("status", "")
        table.add_row(
            indicator.get("displayName") or value.get("metric", ""),
            _number(value) if value.get("success") else value.get("message", "no value"),
            f"[{COLOURS.get(status, 'white')}]{status}[/]",
            _targets(indicator.get("passTargets")),
            _targets(indicator.get("warningTargets")),
        )
    console.print(table)


def _targets(targets: list[dict[str, Any]] | None) -> str:
    return " ".join(
        f"{'[red]' if t.get('violated') else ''}{t['criteria']}"
        f"{'[/red]' if t.get('violated') else ''}"
        for t in targets or []
    )


def _number(value: dict[str, Any]) -> str:
    return f"{float(value.get('value') or 0):.6g}"


@get_app.command("evaluations")
def get_evaluations(
    project: str = typer.Option(..., "--project", "-p"),
    stage: str = typer.Option(..., "--stage", "-s"),
    service: str = typer.Option(..., "--service"),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=100, help="How many runs"),
    output: OutputFormat = OutputOption,
) -> None:
    """The last runs of a service's quality gate: score, result and each SLI (a heatmap)."""
    with cli_errors():
        answer = connect().get(_service_path(project, stage, service), {"limit": limit})
    show(answer, output, lambda _: _heatmap(answer["evaluations"], f"{project}/{stage}/{service}"))


def _heatmap(evaluations: list[dict[str, Any]], title: str) -> None:
    """One column per evaluation, oldest on the left as in the Bridge; one row per SLI."""
    if not evaluations:
        console.print(f"No evaluation of {title} yet.")
        return
    runs = list(reversed(evaluations))
    table = Table(title=f"Evaluations of {title}", title_justify="left")
    table.add_column("")
    for run in runs:
        struck = " (invalidated)" if run.get("invalidated") else ""
        table.add_column(f"{run['time'][:16].replace('T', ' ')}{struck}", justify="right")
    table.add_row(
        "result", *(_coloured(run.get("result", ""), run.get("result", "")) for run in runs)
    )
    table.add_row(
        "score",
        *(
            _coloured(f"{(run.get('evaluation') or {}).get('score', 0):.2f}", run.get("result", ""))
            for run in runs
        ),
    )
    steps = [(run.get("evaluation") or {}).get("canary") for run in runs]
    if any(steps):  # a canary step's evaluation: history, never a baseline
        table.add_row(
            "canary step",
            *(
                f"{step.get('step')}/{step.get('steps')} ({step.get('weight', 0):g}%)"
                if isinstance(step, dict)
                else ""
                for step in steps
            ),
        )
    for sli in _slis(runs):
        cells = []
        for run in runs:
            found = _indicator(run, sli)
            if found is None:
                cells.append("")
                continue
            value = found.get("value") or {}
            text = _number(value) if value.get("success") else "n/a"
            cells.append(_coloured(text, found.get("status", "")))
        table.add_row(sli, *cells)
    table.add_row("id", *(run["id"][:8] for run in runs))
    console.print(table)


def _coloured(text: str, status: str) -> str:
    colour = COLOURS.get(status)
    return f"[{colour}]{text}[/{colour}]" if colour else text


def _slis(runs: list[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for run in runs:
        for indicator in (run.get("evaluation") or {}).get("indicatorResults") or []:
            names[_name(indicator)] = None
    return list(names)


def _name(indicator: dict[str, Any]) -> str:
    value = indicator.get("value") or {}
    return str(indicator.get("displayName") or value.get("metric", ""))


def _indicator(run: dict[str, Any], sli: str) -> dict[str, Any] | None:
    indicators = (run.get("evaluation") or {}).get("indicatorResults") or []
    return next((found for found in indicators if _name(found) == sli), None)


@invalidate_app.command("evaluation")
def invalidate_evaluation(
    evaluation_id: str = typer.Option(
        ..., "--id", help="The evaluation's id (qm get evaluations shows its first characters)"
    ),
    project: str = typer.Option(..., "--project", "-p"),
    stage: str = typer.Option(..., "--stage", "-s"),
    service: str = typer.Option(..., "--service"),
    comment: str = typer.Option("", "--comment", help="Why it should not count"),
) -> None:
    """Leave an evaluation out of later comparisons (sends evaluation.invalidated)."""
    with cli_errors():
        client = connect()
        history = client.get(_service_path(project, stage, service), {"limit": 100})
        matches = [e for e in history["evaluations"] if e["id"].startswith(evaluation_id)]
        if len(matches) != 1:
            found = "no" if not matches else f"{len(matches)}"
            raise CliError(
                f"{found} evaluation of the newest 100 has an id starting with '{evaluation_id}'",
                2,
            )
        chosen = matches[0]
        client.post(
            "/v1/event",
            {
                "specversion": "1.0",
                "source": CLI_SOURCE,
                "type": "sh.keptn.event.evaluation.invalidated",
                "shkeptncontext": chosen["keptnContext"],
                "triggeredid": chosen["id"],
                "data": {
                    "project": project,
                    "stage": stage,
                    "service": service,
                    **({"message": comment} if comment else {}),
                },
            },
        )
    console.print(f"Evaluation {chosen['id']} invalidated: later evaluations ignore it.")


@configure_app.command("monitoring")
def configure_monitoring(
    provider: str = typer.Argument(
        ..., help="cloudwatch, prometheus, or the name your own SLI provider answers to"
    ),
    project: str = typer.Option(..., "--project", "-p"),
    url: str | None = typer.Option(None, "--url", help="Prometheus: the server's base URL"),
    secret: str | None = typer.Option(
        None, "--secret", help="Prometheus: a secret with user/password or token"
    ),
) -> None:
    """Choose the SLI provider that measures a project's quality gates."""
    body = {
        key: value
        for key, value in {"provider": provider, "url": url, "secret": secret}.items()
        if value
    }
    with cli_errors():
        connect().put(f"/v1/project/{project}/monitoring", body)
    console.print(f"Project {project} now measures its quality gates with {provider}.")


def register(app: typer.Typer) -> None:
    # `trigger evaluation` and `get evaluations` join groups registered by other modules.
    app.add_typer(invalidate_app, name="invalidate")
    app.add_typer(configure_app, name="configure")
