"""The Go text/template subset of webhook files: what Keptn's users wrote renders as Go did."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.gotemplate import TemplateError, parse, render

EVENT: dict[str, Any] = {
    "id": "e1",
    "type": "sh.keptn.event.test.triggered",
    "shkeptncontext": "c1",
    "data": {
        "project": "shop",
        "stage": "dev",
        "evaluation": {"score": 95, "result": "pass", "big": 1234567, "ratio": 0.5},
        "key-with-dash": "dashed",
        "deployment": {"deploymentURIsPublic": ["http://a", "http://b"]},
        "labels": {"buildId": "7"},
        "empty": "",
        "nothing": None,
    },
    "env": {"token": "s3cret"},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{.data.project}}/{{.data.stage}}", "shop/dev"),
        ("{{.id}} {{.shkeptncontext}} {{.type}}", "e1 c1 sh.keptn.event.test.triggered"),
        ('{{index .data "key-with-dash"}}', "dashed"),
        ("{{index .data.deployment.deploymentURIsPublic 1}}", "http://b"),
        ('{{index .data "deployment" "deploymentURIsPublic" 0}}', "http://a"),
        ("Bearer {{.env.token}}", "Bearer s3cret"),
        # Go prints JSON numbers as float64 with %v.
        (
            "{{.data.evaluation.score}} {{.data.evaluation.big}} {{.data.evaluation.ratio}}",
            "95 1.234567e+06 0.5",
        ),
        ('{{if eq .data.evaluation.result "pass"}}ok{{else}}bad{{end}}', "ok"),
        (
            '{{if eq .data.evaluation.result "fail"}}bad{{else if .data.labels}}labelled{{end}}',
            "labelled",
        ),
        ("{{if .data.empty}}x{{else}}empty is false{{end}}", "empty is false"),
        ("{{if not .data.nothing}}nil is false{{end}}", "nil is false"),
        (
            "{{if and .data.labels (gt (len .data.deployment.deploymentURIsPublic) 1)}}two{{end}}",
            "two",
        ),
        ("{{if or .data.empty .data.stage}}{{.data.stage}}{{end}}", "dev"),
        ("{{$.data.project}}", "shop"),
        ("a  {{- .data.stage -}}  b", "adevb"),
        ("{{/* a comment */}}x", "x"),
        ('{{"}}"}}', "}}"),
        ("{{.data.labels}}", "map[buildId:7]"),
        ("{{.data.deployment.deploymentURIsPublic}}", "[http://a http://b]"),
        ("{{.data.nothing}}", "<no value>"),
        # Go's index gives the zero value for a missing key (missingkey only covers fields).
        ('{{index .data "absent"}}', "<no value>"),
        ('{"text": "{{.data.project}} {{.data.evaluation.result}}"}', '{"text": "shop pass"}'),
    ],
)
def test_renders_as_go_does(template: str, expected: str) -> None:
    assert render(template, EVENT) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{.data.missing}}", '.data.missing: map has no entry for key "missing"'),
        ("{{.env.other}}", '.env.other: map has no entry for key "other"'),
        ("{{.data.project.name}}", ".data.project.name: can't evaluate field name in type string"),
        ("{{.data.nothing.x}}", ".data.nothing.x: nil pointer evaluating interface {}.x"),
        ("{{index .data.deployment.deploymentURIsPublic 5}}", "index: index out of range: 5"),
        ('{{if eq .data.evaluation.score "95"}}{{end}}', "eq: incompatible types for comparison"),
    ],
)
def test_execution_errors_name_the_key(template: str, message: str) -> None:
    with pytest.raises(TemplateError) as error:
        render(template, EVENT)
    assert error.value.message.startswith(message)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{range .data.labels}}x{{end}}", "line 1: '{{range}}' is not supported"),
        ("{{with .data}}x{{end}}", "line 1: '{{with}}' is not supported"),
        ("{{.data.project | printf}}", "line 1: pipelines with '|' are not supported"),
        ("{{$x := 1}}", "line 1: variables ($name) are not supported"),
        ("{{if .data}}x", "line 1: {{if}} without {{end}}"),
        ("x\n{{end}}", "line 2: unexpected {{end}} (no {{if}} is open)"),
        ("{{.data", "line 1: unclosed action"),
        ("{{upper .data.stage}}", 'line 1: function "upper" not defined'),
        ("{{eq 1}}", "line 1: wrong number of args for eq: want at least 2 got 1"),
        ("{{eq len .x 1}}", "line 1: put 'len' and its arguments in parentheses"),
        ('{{"unterminated}}', "line 1: unterminated quoted string"),
        ("{{}}", "line 1: missing value for command"),
    ],
)
def test_parse_errors_say_what_and_where(template: str, message: str) -> None:
    with pytest.raises(TemplateError) as error:
        parse(template)
    assert error.value.message.startswith(message)


def test_a_template_without_actions_is_plain_text() -> None:
    assert parse("https://ci.example.com/job").is_plain_text
    assert not parse("https://{{.data.stage}}").is_plain_text
