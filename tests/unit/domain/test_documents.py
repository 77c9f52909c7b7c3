"""Kind detection and validation of any supported configuration file."""

from __future__ import annotations

import pytest

from chalicelib.domain.documents import (
    DocumentKind,
    detect_kind,
    document_errors,
    kind_from_file_name,
    validate_document,
)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"apiVersion": "spec.keptn.sh/0.2.3", "kind": "Shipyard"}, DocumentKind.SHIPYARD),
        ({"apiVersion": "spec.keptn.sh/0.2.3", "spec": {"stages": []}}, DocumentKind.SHIPYARD),
        ({"registry": "x", "stages": []}, DocumentKind.SHIPYARD),
        ({"apiVersion": "spec.keptn.sh/0.1.4", "kind": "Remediation"}, DocumentKind.REMEDIATION),
        (
            {"apiVersion": "spec.keptn.sh/0.1.4", "spec": {"remediations": []}},
            DocumentKind.REMEDIATION,
        ),
        ({"apiVersion": "webhookconfig.keptn.sh/v1beta1"}, DocumentKind.WEBHOOK),
        ({"kind": "WebhookConfig"}, DocumentKind.WEBHOOK),
        ({"version": "0.2.0", "kind": "Uniform"}, DocumentKind.UNIFORM),
        ({"objectives": None}, DocumentKind.SLO),
        ({"spec_version": "1.0", "total_score": {"pass": "90%"}}, DocumentKind.SLO),
        ({"spec_version": "1.0", "comparison": None}, DocumentKind.SLO),
        ({"spec_version": "1.0", "indicators": {"a": "q"}}, DocumentKind.SLI),
        ({"specversion": "1.0", "type": "sh.keptn.event.x.triggered"}, DocumentKind.UNKNOWN),
        ({"name": "x"}, DocumentKind.UNKNOWN),
        (["a"], DocumentKind.UNKNOWN),
    ],
)
def test_detect_kind(data: object, kind: DocumentKind) -> None:
    assert detect_kind(data) is kind


def test_unknown_kind_names_the_supported_kinds() -> None:
    report = validate_document("name: x\n", "thing.yaml")

    assert report.kind is DocumentKind.UNKNOWN
    assert len(report.errors) == 1
    assert report.errors[0].startswith(
        "thing.yaml: top level (line 1): cannot tell what kind of file this is; supported kinds: "
    )
    for kind in ("shipyard", "uniform", "remediation", "webhook", "SLO", "SLI"):
        assert kind in report.errors[0]


def test_cloud_event_is_recognised_and_refused() -> None:
    errors = document_errors(
        '{"specversion": "1.0", "type": "sh.keptn.event.a.triggered"}', "e.json"
    )

    assert errors[0].startswith("e.json: top level (line 1): this is a CloudEvent")


def test_syntax_error_keeps_the_kind_suggested_by_the_file_name() -> None:
    report = validate_document("objectives: [\n", "prod/slo.yaml")

    assert report.kind is DocumentKind.SLO
    assert not report.valid
    assert report.errors[0].startswith("prod/slo.yaml: invalid YAML (line 2): ")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("shipyard.yaml", DocumentKind.SHIPYARD),
        ("a/b/sli.yml", DocumentKind.SLI),
        ("carts_remediation.yaml", DocumentKind.REMEDIATION),
        ("quality-gates-slo.json", DocumentKind.SLO),
        ("notes.yaml", DocumentKind.UNKNOWN),
    ],
)
def test_kind_from_file_name(name: str, kind: DocumentKind) -> None:
    assert kind_from_file_name(name) is kind


def test_slo_errors_use_the_same_format() -> None:
    text = (
        'spec_version: "1.0"\nobjectives:\n  - sli: a\n    weight: heavy\n'
        'total_score:\n  pass: "90%"\n'
    )

    report = validate_document(text, "slo.yaml")

    assert report.kind is DocumentKind.SLO
    assert len(report.errors) == 1
    assert report.errors[0].startswith("slo.yaml: objectives[0].weight 'heavy' (line 4): ")


def test_slo_duplicate_objective_keys_are_found() -> None:
    text = "objectives:\n  - sli: a\n    sli: b\ntotal_score: {pass: '90%'}\n"

    assert document_errors(text, "slo.yaml") == [
        "slo.yaml: objectives[0].sli (line 3): duplicate key 'sli' (first given on line 2); "
        "each key may appear only once in a mapping"
    ]


def test_sli_indicators_must_be_a_mapping() -> None:
    report = validate_document("spec_version: '1.0'\nindicators:\n  - a\n", "sli.yaml")

    assert report.kind is DocumentKind.SLI
    assert report.errors == ["sli.yaml: indicators (line 2): must be a mapping, found a list"]


def test_valid_sli_has_no_errors() -> None:
    report = validate_document("spec_version: '1.0'\nindicators:\n  rt: avg(x)\n", "sli.yaml")

    assert report.valid
    assert report.kind is DocumentKind.SLI


def test_pre_02_shipyard_is_detected_as_shipyard_and_refused() -> None:
    report = validate_document(
        "stages:\n  - name: dev\n    deployment_strategy: direct\n", "shipyard.yaml"
    )

    assert report.kind is DocumentKind.SHIPYARD
    assert "pre-0.2 shipyard format" in report.errors[0]


def test_a_shipyard_with_dangling_triggers_and_empty_sequences_is_valid_with_warnings() -> None:
    text = (
        "apiVersion: spec.keptn.sh/0.2.3\nkind: Shipyard\nmetadata: {name: shop}\nspec:\n"
        "  stages:\n"
        "    - name: dev\n      sequences:\n        - {name: delivery, tasks: []}\n"
        "    - name: prod\n      sequences:\n        - name: delivery\n          triggeredOn:\n"
        "            - event: dev.delivry.finished\n"
        "            - event: staging.delivery.finished\n"
        "            - event: dev.evaluation.finished\n"
        "          tasks: [{name: deployment}]\n"
    )

    report = validate_document(text, "shipyard.yaml")

    assert report.valid
    assert report.warnings == [
        "shipyard.yaml: spec.stages[0].sequences[0].tasks (line 8): warning: sequence 'delivery' "
        "has no tasks: triggering it ends with an error",
        "shipyard.yaml: spec.stages[1].sequences[0].triggeredOn[0].event 'dev.delivry.finished' "
        "(line 13): warning: stage 'dev' has no sequence 'delivry' (it has delivery, "
        "evaluation): this trigger never fires",
        "shipyard.yaml: spec.stages[1].sequences[0].triggeredOn[1].event "
        "'staging.delivery.finished' (line 14): warning: there is no stage 'staging' (stages: "
        "dev, prod): this trigger never fires",
    ]
