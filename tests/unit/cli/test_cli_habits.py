"""`qm --version` and shell completion, as a user meets them."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from qm.cli import app


def test_version_is_the_installed_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"qm {version('quartermaster')}"


def test_show_completion_prints_a_script_for_the_named_shell() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="qm")
    assert result.exit_code == 0, result.output
    assert "_qm_completion" in result.stdout
    assert "complete -o default -F _qm_completion qm" in result.stdout


def test_completion_completes_commands_and_subcommands() -> None:
    runner = CliRunner()
    for words, cword, expected in [
        ("qm get tok", "2", "tokens"),
        ("qm sk", "1", "skip"),
        ("qm aws tok", "2", "token"),
    ]:
        env = {"_QM_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": cword}
        result = runner.invoke(app, [], prog_name="qm", env=env)
        assert result.exit_code == 0, result.output
        assert result.stdout.split() == [expected], words
