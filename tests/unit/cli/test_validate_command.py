"""`qm validate`: offline checks of configuration files, one greppable line per error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qm.commands import validate
from tests.conftest import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "examples"
BROKEN_SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences: []
    - name: Prod
      sequences: []
"""


@pytest.fixture
def app() -> typer.Typer:
    # A callback keeps `validate` a subcommand, as it is in the real `qm`.
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test CLI."""

    validate.register(app)
    return app


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/*.yaml"))


def test_there_are_three_complete_example_projects() -> None:
    for project in ("quality-gates", "delivery", "custom-tasks"):
        names = {path.name for path in (EXAMPLES / project).iterdir()}
        assert {
            "shipyard.yaml",
            "slo.yaml",
            "sli.yaml",
            "webhook.yaml",
            "uniform.yaml",
        } <= names
    assert (EXAMPLES / "delivery" / "remediation.yaml").is_file()


def test_all_examples_are_valid(app: typer.Typer) -> None:
    files = example_files()

    code, out, _ = run(app, *map(str, files))

    assert code == 0, out
    assert out.count(": OK (") == len(files)
    assert f"{files[0]}: OK (" in out


def test_broken_file_prints_the_located_error_and_exits_1(app: typer.Typer, tmp_path: Path) -> None:
    broken = tmp_path / "shipyard.yaml"
    broken.write_text(BROKEN_SHIPYARD)
    good = EXAMPLES / "delivery" / "slo.yaml"

    code, out, _ = run(app, str(broken), str(good))

    assert code == 1
    assert out.splitlines() == [
        f"{broken}: spec.stages[1].name 'Prod' (line 9): must start with a lowercase letter and "
        "contain only lowercase letters, digits and '-'",
        f"{good}: OK (slo)",
    ]


def test_error_lines_are_never_wrapped(app: typer.Typer, tmp_path: Path) -> None:
    broken = tmp_path / "a-rather-long-directory-name-to-push-the-line-past-eighty-columns"
    broken.mkdir()
    shipyard = broken / "shipyard.yaml"
    shipyard.write_text(BROKEN_SHIPYARD)

    _, out, _ = run(app, str(shipyard))

    assert len(out.splitlines()) == 1


def test_missing_path_exits_2_with_a_message(app: typer.Typer, tmp_path: Path) -> None:
    code, _, err = run(app, str(tmp_path / "nope.yaml"))

    assert code == 2
    assert f"{tmp_path / 'nope.yaml'}: no such file" in err


def test_every_file_of_every_example_validates_as_the_readme_says(app: typer.Typer) -> None:
    # `qm validate examples/*/*`: every file in the project folders, not only *.yaml.
    files = sorted(path for path in EXAMPLES.glob("*/*") if path.is_file())

    code, out, _ = run(app, *map(str, files))

    assert code == 0
    assert out.count(": OK (") == len(files)


def test_directory_means_its_configuration_files(app: typer.Typer, tmp_path: Path) -> None:
    for name in ("shipyard.yaml", "slo.yaml"):
        (tmp_path / name).write_text((EXAMPLES / "delivery" / name).read_text())
    (tmp_path / "README.md").write_text("# not: [a config file\n")

    code, out, _ = run(app, str(tmp_path))

    assert code == 0
    assert out.count(": OK (") == 2
    assert "README.md" not in out


def test_json_output(app: typer.Typer, tmp_path: Path) -> None:
    broken = tmp_path / "uniform.yaml"
    broken.write_text("version: '1'\nkind: Uniform\nmetadata: {name: u}\nspec: {services: []}\n")

    code, out, _ = run(
        app, "--output", "json", str(broken), str(EXAMPLES / "delivery" / "sli.yaml")
    )

    assert code == 1
    assert json.loads(out) == [
        {
            "file": str(broken),
            "kind": "uniform",
            "valid": False,
            "errors": [f"{broken}: spec.services (line 4): must have at least 1 entry"],
            "warnings": [],
        },
        {
            "file": str(EXAMPLES / "delivery" / "sli.yaml"),
            "kind": "sli",
            "valid": True,
            "errors": [],
            "warnings": [],
        },
    ]


def test_file_that_is_not_utf8_is_an_error(app: typer.Typer, tmp_path: Path) -> None:
    binary = tmp_path / "slo.yaml"
    binary.write_bytes(b"objectives:\n  - sli: \xff\xfe\n")

    code, out, _ = run(app, str(binary))

    assert code == 1
    assert out.strip() == f"{binary}: top level (line 2): the file is not UTF-8 text"


def test_validate_is_registered_in_qm() -> None:
    from qm.cli import COMMAND_MODULES

    assert "validate" in COMMAND_MODULES


BROKEN_SLO = """\
objectives:
  - sli: response_time
    weight: heavy
    pass:
      - criteria: ["=< 300", "<<5"]
  - sli: errors
    pass:
      - criteria: ["banana"]
    warning:
      - criteria: ["<=+10%", "below 5"]
total_score:
  pass: "90%"
  warning: "most"
"""


def test_every_error_of_a_file_is_printed_with_its_line(app: typer.Typer, tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(BROKEN_SLO)

    code, out, _ = run(app, str(slo))

    assert code == 1
    lines = out.splitlines()
    located = [line.split(": ", 2)[1] for line in lines]
    assert located == [
        "objectives[0].weight 'heavy' (line 3)",
        "objectives[0].pass[0].criteria[0] '=< 300' (line 5)",
        "objectives[0].pass[0].criteria[1] '<<5' (line 5)",
        "objectives[1].pass[0].criteria[0] 'banana' (line 8)",
        "objectives[1].warning[0].criteria[1] 'below 5' (line 10)",
        "total_score.warning 'most' (line 13)",
    ]
    # Keptn's own words for each criterion, and what to write instead.
    assert "could not parse criteria target value" in lines[1]
    assert "the operator is '<=', not '=<'" in lines[1]
    assert "invalid criteria string" in lines[3]
    assert "such as '<600'" in lines[3]
    assert "can never be met" in lines[4]
    assert "could not parse warning target percentage" in lines[5]


def test_criteria_keptn_reads_are_not_errors(app: typer.Typer, tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(
        "objectives:\n  - sli: a\n    pass:\n"
        "      - criteria: ['< 600', '<=+10%', '>-5', '<10%']\n"
        "      - criteria: ['=0']\n"
        "      - criteria: ['>=1e3', '<= 0x1p20']\n"
        "total_score: {pass: 90}\n"
    )

    code, out, _ = run(app, str(slo))

    assert (code, out.strip()) == (0, f"{slo}: OK (slo)")


SUSPICIOUS_SLO = """\
comparison:
  compare_with: single_result
  number_of_comparison_results: 5
  aggregate_function: median
objectives:
  - sli: rt
    weight: 0
    pass:
      - criteria: ["<5", ">10"]
      - criteria: []
  - sli: errors
    key_sli: true
  - sli: rt
    pass:
      - criteria: ["<=100"]
total_score:
  pass: "80%"
  warning: "90%"
"""


def test_suspicious_file_gets_warnings_and_exit_code_0(app: typer.Typer, tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(SUSPICIOUS_SLO)

    code, out, _ = run(app, str(slo))

    assert code == 0
    *warnings, summary = out.splitlines()
    assert summary == f"{slo}: OK (slo) with 8 warnings"
    assert all(": warning: " in line for line in warnings)
    where = [line.split(": ", 2)[1] for line in warnings]
    assert where == [
        "comparison.number_of_comparison_results '5' (line 3)",
        "comparison.aggregate_function 'median' (line 4)",
        "objectives[0].weight '0' (line 7)",
        "objectives[0].pass[0].criteria (line 9)",
        "objectives[0].pass[1] (line 10)",
        "objectives[1].key_sli 'true' (line 12)",
        "objectives[2].sli 'rt' (line 13)",
        "total_score.warning '90%' (line 18)",
    ]
    assert "no value can meet both '<5' and '>10'" in warnings[3]
    assert "counts as 1" in warnings[2]
    assert "already used by objectives[0]" in warnings[6]
    assert "never a warning" in warnings[7]


def test_warnings_are_in_the_json_output(app: typer.Typer, tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(SUSPICIOUS_SLO)

    code, out, _ = run(app, "-o", "json", str(slo))

    (row,) = json.loads(out)
    assert (code, row["valid"], row["errors"], len(row["warnings"])) == (0, True, [], 8)


def test_duplicate_keys_do_not_hide_other_errors(app: typer.Typer, tmp_path: Path) -> None:
    shipyard = tmp_path / "shipyard.yaml"
    shipyard.write_text(
        BROKEN_SHIPYARD.replace("  name: shop\n", "  name: shop\n  name: again\n")
        + "    - name: dev\n      sequences: []\n"
    )

    code, out, _ = run(app, str(shipyard))

    assert code == 1
    assert [line.split(": ", 2)[1:] for line in out.splitlines()] == [
        [
            "metadata.name (line 5)",
            "duplicate key 'name' (first given on line 4); each key may appear only once in a "
            "mapping",
        ],
        [
            "spec.stages[1].name 'Prod' (line 10)",
            "must start with a lowercase letter and contain only lowercase letters, digits and '-'",
        ],
        ["spec.stages[2].name 'dev' (line 12)", "stage name 'dev' is already used by stages[0]"],
    ]
