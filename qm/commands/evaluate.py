"""`qm evaluate`: run a quality gate locally, exactly as the lighthouse would, and show it.

Inputs (all local files, nothing is sent anywhere):

* `--slo`: an `slo.yaml` as used by Keptn.
* `--sli`: the SLI values as JSON, a list of `{metric, value, success, message}`; the data of a
  get-sli.finished event (`{"get-sli": {"indicatorValues": [...]}}`) or `{"indicatorValues":
  [...]}` are accepted too. As in Keptn, a value without `"success": true` counts as failed.
* `--previous`: earlier evaluations, newest first, as a JSON list whose entries are any of
  - a list of SLI values (treated as a passing evaluation without an id),
  - `{"result": "pass", "id": "...", "indicatorResults": [{"value": {...}}, ...]}`,
  - the data of an evaluation.finished event (`{"result", "evaluation": {"indicatorResults"}}`),
  - a whole evaluation.finished CloudEvent (`{"id", "data": {...}}`).

Exit codes: 0 pass or warning, 1 fail, 2 bad input (including an SLO file Keptn reports as
errored, e.g. without total_score).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from chalicelib.domain import bounded_yaml
from chalicelib.domain.slo import SloFile
from chalicelib.engine.lighthouse import (
    EvaluationOutcome,
    GetSliResult,
    IndicatorResult,
    IndicatorValue,
    PreviousEvaluation,
    SliTarget,
    evaluate,
    format_go_float,
)

EXIT_FAIL = 1
EXIT_BAD_INPUT = 2
_STATUS_STYLES = {"pass": "green", "warning": "yellow", "fail": "red", "info": "blue"}


class GetSliOutcome(StrEnum):
    """The `result` of the get-sli.finished event being simulated."""

    PASS = "pass"
    FAIL = "fail"


class OutputFormat(StrEnum):
    """How the evaluation is printed."""

    TABLE = "table"
    JSON = "json"


class BadInputError(Exception):
    """An input file cannot be used; the message names the file and the problem."""


def register(app: typer.Typer) -> None:
    """Add `qm evaluate` to the CLI."""
    app.command("evaluate")(evaluate_command)


def evaluate_command(
    slo: Annotated[Path, typer.Option("--slo", help="The slo.yaml to evaluate.")],
    sli: Annotated[Path, typer.Option("--sli", help="SLI values (JSON list).")],
    previous: Annotated[
        Path | None, typer.Option("--previous", help="Earlier evaluations, newest first (JSON).")
    ] = None,
    get_sli_result: Annotated[
        GetSliOutcome,
        typer.Option("--get-sli-result", help="Result of the simulated get-sli.finished."),
    ] = GetSliOutcome.PASS,
    output: Annotated[
        OutputFormat, typer.Option("--output", "-o", help="table (default) or json.")
    ] = OutputFormat.TABLE,
) -> None:
    """Evaluate an SLO file against SLI values, as Quartermaster's lighthouse would."""
    try:
        slo_file, raw_slo = _load_slo(slo)
        values = _load_sli_values(sli)
        earlier = _load_previous(previous) if previous is not None else []
    except BadInputError as error:
        typer.echo(f"qm evaluate: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from error
    outcome = evaluate(
        slo_file,
        values,
        earlier,
        GetSliResult(result=get_sli_result.value),
        slo_file_content=raw_slo,
    )
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(_go_json(outcome.to_event_data()), indent=2))
    else:
        _print_table(outcome)
    if outcome.status == "errored":
        typer.echo(f"qm evaluate: {slo}: {outcome.message}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    if outcome.result == "fail":
        raise typer.Exit(EXIT_FAIL)


def _load_slo(path: Path) -> tuple[SloFile, bytes]:
    raw = _read(path)
    try:
        document = bounded_yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BadInputError(f"{path}: not UTF-8 text: {error}") from error
    except yaml.YAMLError as error:
        raise BadInputError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise BadInputError(f"{path}: an SLO file must be a YAML mapping, this one is {kind}")
    try:
        return SloFile.model_validate(document), raw
    except ValidationError as error:
        raise BadInputError(f"{path}: not a valid SLO file:\n{_problems(error)}") from error


def _load_sli_values(path: Path) -> list[IndicatorValue]:
    document = _read_json(path)
    if isinstance(document, dict):
        document = (document.get("get-sli") or document).get("indicatorValues")
    if not isinstance(document, list):
        raise BadInputError(f"{path}: expected a JSON list of {{metric, value, success, message}}")
    try:
        return [IndicatorValue.model_validate(item) for item in document]
    except ValidationError as error:
        raise BadInputError(f"{path}: not a list of SLI values:\n{_problems(error)}") from error


def _load_previous(path: Path) -> list[PreviousEvaluation]:
    document = _read_json(path)
    if not isinstance(document, list):
        raise BadInputError(f"{path}: expected a JSON list of earlier evaluations, newest first")
    evaluations: list[PreviousEvaluation] = []
    for index, entry in enumerate(document):
        try:
            evaluations.append(_previous_entry(entry))
        except (ValidationError, TypeError, AttributeError) as error:
            detail = _problems(error) if isinstance(error, ValidationError) else f"  {error}"
            raise BadInputError(f"{path}: entry {index} is not an evaluation:\n{detail}") from error
    return evaluations


def _previous_entry(entry: Any) -> PreviousEvaluation:
    if isinstance(entry, list):
        # A bare list of values: the vectors' form; counts as a passing evaluation.
        results = [{"value": value} for value in entry]
        return PreviousEvaluation.model_validate({"result": "pass", "indicatorResults": results})
    if not isinstance(entry, dict):
        raise TypeError(f"expected a list or an object, got {type(entry).__name__}")
    if "data" in entry:
        return PreviousEvaluation.from_event(entry)
    if "evaluation" in entry:
        return PreviousEvaluation.from_event({"id": entry.get("id"), "data": entry})
    return PreviousEvaluation.model_validate(entry)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BadInputError(f"{path}: cannot read: {error.strerror or error}") from error


def _read_json(path: Path) -> Any:
    try:
        return json.loads(_read(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadInputError(f"{path}: not valid JSON: {error}") from error


def _problems(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"]
        ).lstrip(".")
        lines.append(f"  {where or '(top level)'}: {problem['msg']}")
    return "\n".join(lines)


def _go_json(data: Any) -> Any:
    # Keptn's Go encoder writes whole floats without ".0" (score 100, not 100.0).
    if isinstance(data, dict):
        return {key: _go_json(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_go_json(value) for value in data]
    if isinstance(data, float) and data.is_integer() and abs(data) < 1e21:
        return int(data)
    return data


def _print_table(outcome: EvaluationOutcome) -> None:
    console = Console(highlight=False)
    details = outcome.evaluation
    if details.indicator_results:
        table = Table(title="Quality gate")
        for column in ("SLI", "Value", "Compared", "Pass criteria", "Warning criteria"):
            table.add_column(column)
        table.add_column("Status")
        table.add_column("Score", justify="right")
        for result in details.indicator_results:
            table.add_row(*_row(result))
        console.print(table)
    style = _STATUS_STYLES.get(outcome.result, "")
    summary = Text("Result: ")
    summary.append(outcome.result, style=f"bold {style}")
    summary.append(f"  score {format_go_float(details.score)}")
    if details.result != outcome.result:
        summary.append(f"  (evaluation.result {details.result})")
    if outcome.status != "succeeded":
        summary.append(f"  status {outcome.status}", style="red")
    if details.compared_events:
        summary.append(f"  compared with {len(details.compared_events)} earlier evaluation(s)")
    console.print(summary)
    if outcome.message:
        # One unbroken line: messages are searched for and pasted into tickets.
        console.print(Text(outcome.message), soft_wrap=True)


def _row(result: IndicatorResult) -> list[Text | str]:
    value = result.value
    name = result.display_name or (value.metric if value is not None else "")
    if value is None:
        shown_value: Text | str = Text("no value", style="dim")
    elif value.success:
        shown_value = format_go_float(value.value)
    else:
        shown_value = Text(value.message or "failed", style="red")
    compared = format_go_float(value.compared_value) if value is not None else ""
    status = Text(result.status, style=_STATUS_STYLES.get(result.status, ""))
    if result.key_sli:
        status.append(" (key)")
    return [
        name,
        shown_value,
        compared,
        _targets(result.pass_targets),
        _targets(result.warning_targets),
        status,
        format_go_float(result.score),
    ]


def _targets(targets: list[SliTarget] | None) -> Text:
    text = Text()
    for index, target in enumerate(targets or ()):
        if index:
            text.append("\n")
        text.append(
            f"{target.criteria} ({format_go_float(target.target_value)})",
            style="red" if target.violated else "green",
        )
    return text
