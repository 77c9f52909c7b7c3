"""Alarms and the dashboard are the deployment's fixed monthly cost: each can be left out of the
packaged template and of the `chalice deploy` route, where each has a stack of its own
(`--no-alarms`, `--no-dashboard`), the rest stays as it is, the result still passes cfn-lint,
and the local (`sqs`) template never had them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import lint_all  # type: ignore[import-untyped]

from infra.definition import (
    ALL_WATCHING,
    TemplateMode,
    Watching,
    build_template,
    main,
    template_json,
)

STAGE = "prod"
ALARM = "AWS::CloudWatch::Alarm"
DASHBOARD = "AWS::CloudWatch::Dashboard"
TOPIC = "AWS::SNS::Topic"  # the alarms' action: it goes with them


def _types(mode: TemplateMode, watching: Watching = ALL_WATCHING) -> dict[str, str]:
    resources: dict[str, Any] = build_template(STAGE, mode, watching)["Resources"]
    return {key: resource.get("Type", "") for key, resource in resources.items()}


@pytest.mark.parametrize("modes", [("lambda",), ("alarms", "dashboard")])
def test_by_default_a_deployment_has_alarms_and_a_dashboard(
    modes: tuple[TemplateMode, ...],
) -> None:
    resources = {
        key: resource
        for mode in modes
        for key, resource in build_template(STAGE, mode)["Resources"].items()
    }
    types = [resource.get("Type", "") for resource in resources.values()]
    assert types.count(ALARM) > 10
    assert types.count(DASHBOARD) == 1
    # Every alarm has an action: it notifies the alarm topic, going off and back to OK.
    for resource in resources.values():
        if resource.get("Type") == ALARM:
            assert resource["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
            assert resource["Properties"]["OKActions"] == [{"Ref": "AlarmTopic"}]


@pytest.mark.parametrize("mode", ["lambda", "bootstrap", "alarms", "dashboard"])
@pytest.mark.parametrize(
    ("watching", "left_out"),
    [
        (Watching(alarms=False), {ALARM, TOPIC}),
        (Watching(dashboard=False), {DASHBOARD}),
        (Watching(alarms=False, dashboard=False), {ALARM, TOPIC, DASHBOARD}),
    ],
)
def test_an_opt_out_removes_exactly_what_it_names(
    mode: TemplateMode, watching: Watching, left_out: set[str]
) -> None:
    full, reduced = _types(mode), _types(mode, watching)
    assert not set(reduced.values()) & left_out
    assert reduced == {key: kind for key, kind in full.items() if kind not in left_out}


def test_the_local_template_has_neither_whatever_is_asked() -> None:
    assert not {ALARM, DASHBOARD} & set(_types("sqs").values())
    assert _types("sqs", Watching(alarms=False, dashboard=False)) == _types("sqs")


@pytest.mark.parametrize(
    ("mode", "watching"),
    [
        ("bootstrap", Watching(alarms=False, dashboard=False)),
        ("alarms", Watching(dashboard=False)),
        ("dashboard", Watching(alarms=False)),
    ],
)
def test_what_an_opt_out_leaves_of_the_chalice_deploy_route_passes_cfn_lint(
    mode: TemplateMode, watching: Watching
) -> None:
    # (The packaged template is linted after `chalice package`: `make package-check`.)
    body = template_json(STAGE, mode, watching)
    problems = [match for match in lint_all(body) if match.rule.id[0] in "EW"]
    assert problems == []


@pytest.mark.parametrize(
    ("mode", "watching"),
    [("alarms", Watching(alarms=False)), ("dashboard", Watching(dashboard=False))],
)
def test_an_opted_out_stack_of_the_chalice_deploy_route_has_nothing_left(
    mode: TemplateMode, watching: Watching
) -> None:
    # infra/stacks.py deletes such a stack rather than sending CloudFormation an empty template.
    assert build_template(STAGE, mode, watching)["Resources"] == {}
    other: TemplateMode = "dashboard" if mode == "alarms" else "alarms"
    assert _types(other, watching) == _types(other)
    assert _types("bootstrap", watching) == _types("bootstrap")


def _printed(capsys: pytest.CaptureFixture[str], *arguments: str) -> dict[str, Any]:
    main(["--stage", STAGE, *arguments])
    resources: dict[str, Any] = json.loads(capsys.readouterr().out)["Resources"]
    return resources


def test_the_command_line_takes_the_opt_outs(capsys: pytest.CaptureFixture[str]) -> None:
    printed = _printed(capsys, "--mode", "lambda", "--no-alarms", "--no-dashboard")
    types = {resource.get("Type") for resource in printed.values()}
    assert not types & {ALARM, DASHBOARD}
    assert "EventsTable" in printed
    printed = _printed(capsys, "--mode", "lambda", "--no-dashboard")
    types = {resource.get("Type") for resource in printed.values()}
    assert ALARM in types
    assert DASHBOARD not in types
    assert _printed(capsys, "--mode", "alarms", "--no-alarms") == {}
    printed = _printed(capsys, "--mode", "alarms", "--no-dashboard")
    assert {resource["Type"] for resource in printed.values()} == {ALARM, TOPIC}


def test_each_stack_of_the_chalice_deploy_route_says_what_it_holds() -> None:
    def described(mode: TemplateMode) -> str:
        return str(build_template(STAGE, mode)["Description"])

    assert "alarms" not in described("bootstrap")
    assert "dashboard" not in described("bootstrap")
    assert "tables" in described("bootstrap")
    assert "alarms" in described("alarms")
    assert "dashboard" not in described("alarms")
    assert "dashboard" in described("dashboard")
    assert "alarms" not in described("dashboard")
