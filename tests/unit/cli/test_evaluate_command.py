"""`qm evaluate`: exit codes, JSON output and bad input, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from qm.commands.evaluate import register

SLO = """\
spec_version: "1.0"
comparison:
  compare_with: single_result
  include_result_with_score: pass
objectives:
  - sli: response_time_p95
    displayName: Response time P95
    pass:
      - criteria: ["<=+10%", "<600"]
    warning:
      - criteria: ["<=800"]
  - sli: throughput
total_score:
  pass: "90%"
  warning: "75%"
"""


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Keep `evaluate` a subcommand, as in `qm evaluate`."""

    register(app)
    return app


def _write(tmp_path: Path, name: str, content: str | list[Any]) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _values(response_time: float) -> list[dict[str, Any]]:
    return [
        {"metric": "response_time_p95", "value": response_time, "success": True},
        {"metric": "throughput", "value": 42, "success": True},
    ]


def _run(*args: str | Path) -> Any:
    # A wide terminal, so table cells are not wrapped mid-word.
    return CliRunner(env={"COLUMNS": "200"}).invoke(_app(), ["evaluate", *map(str, args)])


@pytest.fixture
def slo_file(tmp_path: Path) -> Path:
    return _write(tmp_path, "slo.yaml", SLO)


def test_passing_gate_exits_0_and_shows_the_table(tmp_path: Path, slo_file: Path) -> None:
    result = _run("--slo", slo_file, "--sli", _write(tmp_path, "v.json", _values(500)))
    assert result.exit_code == 0, result.output
    assert "Response time P95" in result.stdout
    assert "<600 (600)" in result.stdout
    assert "Result: pass" in result.stdout
    assert "score 100" in result.stdout


def test_failing_gate_exits_1_with_keptns_message(tmp_path: Path, slo_file: Path) -> None:
    result = _run("--slo", slo_file, "--sli", _write(tmp_path, "v.json", _values(900)))
    assert result.exit_code == 1
    assert "Result: fail" in result.stdout
    assert "below the warning value of 75" in result.stdout


def test_json_output_is_the_evaluation_finished_data(tmp_path: Path, slo_file: Path) -> None:
    previous = [
        {
            "result": "fail",
            "id": "old-fail",
            "indicatorResults": [
                {"value": {"metric": "response_time_p95", "value": 100, "success": True}}
            ],
        },
        {
            "result": "pass",
            "id": "old-pass",
            "indicatorResults": [
                {"value": {"metric": "response_time_p95", "value": 400, "success": True}}
            ],
        },
    ]
    result = _run(
        "--slo",
        slo_file,
        "--sli",
        _write(tmp_path, "v.json", _values(700)),
        "--previous",
        _write(tmp_path, "p.json", previous),
        "--output",
        "json",
    )
    # 700 > 440 (400 + 10 %) and > 600: pass fails, warning (<= 800) holds -> 50 % -> fail
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["result"], data["status"]) == ("fail", "succeeded")
    assert data["evaluation"]["score"] == 50
    assert data["evaluation"]["comparedEvents"] == ["old-pass"]
    rt, tp = data["evaluation"]["indicatorResults"]
    assert rt["status"] == "warning"
    assert rt["value"]["comparedValue"] == 400
    assert rt["passTargets"] == [
        {"criteria": "<=+10%", "targetValue": 440, "violated": True},
        {"criteria": "<600", "targetValue": 600, "violated": True},
    ]
    assert tp["status"] == "info"


def test_get_sli_failure_fails_the_gate(tmp_path: Path, slo_file: Path) -> None:
    values = _write(tmp_path, "v.json", _values(500))
    result = _run("--slo", slo_file, "--sli", values, "--get-sli-result", "fail", "-o", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["result"] == "fail"
    assert data["evaluation"]["result"] == "pass"


def test_previous_as_bare_lists_counts_as_passing_runs(tmp_path: Path, slo_file: Path) -> None:
    previous = _write(
        tmp_path, "p.json", [[{"metric": "response_time_p95", "value": 500, "success": True}]]
    )
    result = _run(
        "--slo",
        slo_file,
        "--sli",
        _write(tmp_path, "v.json", _values(540)),
        "--previous",
        previous,
        "-o",
        "json",
    )
    assert result.exit_code == 0
    rt = json.loads(result.stdout)["evaluation"]["indicatorResults"][0]
    # 540 <= 550 (500 + 10 %) and < 600
    assert rt["passTargets"][0] == {"criteria": "<=+10%", "targetValue": 550, "violated": False}
    assert rt["status"] == "pass"


@pytest.mark.parametrize(
    ("slo_text", "values", "expected"),
    [
        ("objectives: [", _values(1), "slo.yaml: not valid YAML"),
        ("- a\n- b\n", _values(1), "slo.yaml: an SLO file must be a YAML mapping"),
        ("objectives:\n  - sli: a\n    weight: heavy\n", _values(1), "objectives[0].weight"),
        (SLO, "{not json", "v.json: not valid JSON"),
        (SLO, [{"metric": "a", "value": "fast"}], "v.json: not a list of SLI values"),
        (SLO, {"values": []}, "v.json: expected a JSON list"),
        # A "billion laughs" file is refused by the bounded loader instead of expanding.
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                for p, n in zip("abcdefg", "bcdefgh", strict=True)
            ),
            _values(1),
            "too large",
        ),
        ("objectives: [" * 150, _values(1), "more than 100 levels deep"),
    ],
    ids=[
        "yaml-syntax",
        "yaml-not-mapping",
        "slo-field",
        "json-syntax",
        "value-type",
        "json-shape",
        "alias-expansion",
        "nesting",
    ],
)
def test_bad_input_exits_2_naming_the_file(
    tmp_path: Path, slo_text: str, values: Any, expected: str
) -> None:
    slo = _write(tmp_path, "slo.yaml", slo_text)
    sli = _write(tmp_path, "v.json", values)
    result = _run("--slo", slo, "--sli", sli)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_2(tmp_path: Path, slo_file: Path) -> None:
    result = _run("--slo", slo_file, "--sli", tmp_path / "nope.json")
    assert result.exit_code == 2
    assert "nope.json: cannot read" in result.stderr


def test_slo_without_total_score_is_reported_as_bad_input(tmp_path: Path) -> None:
    slo = _write(
        tmp_path,
        "slo.yaml",
        "objectives:\n  - sli: response_time_p95\n    pass: [{criteria: ['<1']}]\n",
    )
    result = _run("--slo", slo, "--sli", _write(tmp_path, "v.json", _values(5)))
    assert result.exit_code == 2
    assert "slo.yaml: no target score defined" in result.stderr
