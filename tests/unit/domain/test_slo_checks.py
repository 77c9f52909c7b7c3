"""SLO files: criteria the lighthouse cannot read are errors, suspicious settings are warnings."""

from __future__ import annotations

import pytest

from chalicelib.domain.documents import validate_document


def slo(criteria: list[str], total: str = "{pass: '90%'}") -> str:
    criteria_set = f"      - criteria: {criteria!r}\n"
    return f"objectives:\n  - sli: rt\n    pass:\n{criteria_set}total_score: {total}\n"


@pytest.mark.parametrize(
    ("criteria", "empty"),
    [
        (["<5", ">10"], True),
        ([">5", "<=5"], True),
        (["<5", ">=5"], True),
        (["=5", "<5"], True),
        (["=5", "=6"], True),
        ([">=5", "<=5"], False),
        (["=5", ">=5", "<=5"], False),
        ([">1", "<10", ">2", "<9"], False),
        # Relative criteria depend on earlier results: never called contradictory.
        (["<-5", ">+10"], False),
        (["<=10%", ">=20%"], False),
    ],
)
def test_a_criteria_set_that_no_value_meets_is_a_warning(criteria: list[str], empty: bool) -> None:
    report = validate_document(slo(criteria), "slo.yaml")

    assert report.errors == []
    contradictions = [w for w in report.warnings if "no value can meet both" in w]
    assert len(contradictions) == (1 if empty else 0), report.warnings


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=< 300", "could not parse criteria target value"),
        ("<<5", "could not parse criteria target value"),
        ("=>5", "could not parse criteria target value"),
        ("==5", "could not parse criteria target value"),
        ("banana", "invalid criteria string"),
        ("", "invalid criteria string"),
        ("<1_000", "could not parse criteria target value"),
    ],
)
def test_criteria_the_lighthouse_cannot_parse_are_errors(text: str, message: str) -> None:
    report = validate_document(slo([text]), "slo.yaml")

    assert len(report.errors) == 1
    assert report.errors[0].startswith(
        f"slo.yaml: objectives[0].pass[0].criteria[0] '{text}' (line 4): {message}: "
    ) or (text == "" and "criteria[0] (line 4): invalid criteria string" in report.errors[0])


def test_unreadable_pass_threshold_is_an_error_and_a_missing_one_a_warning() -> None:
    unreadable = validate_document(slo(["<5"], "{pass: ninety}"), "slo.yaml")
    missing = validate_document("objectives:\n  - sli: rt\n", "slo.yaml")

    assert unreadable.errors == [
        "slo.yaml: total_score.pass 'ninety' (line 5): must be a number, optionally followed by "
        "'%' (such as '90%'): every evaluation would end errored ('could not parse pass target "
        "percentage')"
    ]
    assert missing.errors == []
    assert missing.warnings == [
        "slo.yaml: top level (line 1): warning: no total_score.pass: every evaluation ends "
        "errored ('no target score defined'); add e.g. total_score: {pass: '90%', warning: '75%'}"
    ]


def test_criteria_errors_come_with_the_model_errors() -> None:
    text = slo(["banana"]).replace("  - sli: rt\n", "  - sli: rt\n    key_sli: maybe\n")

    report = validate_document(text, "slo.yaml")

    assert [line.split(" (line")[0] for line in report.errors] == [
        "slo.yaml: objectives[0].key_sli 'maybe'",
        "slo.yaml: objectives[0].pass[0].criteria[0] 'banana'",
    ]


def test_a_warning_never_makes_the_file_invalid() -> None:
    report = validate_document(slo(["<5", ">10"], "{pass: '90%', warning: '95%'}"), "slo.yaml")

    assert report.valid
    assert len(report.warnings) == 2
    assert all(": warning: " in line for line in report.warnings)


def test_weights_and_thresholds_that_keptn_reads_differently_are_warned_about() -> None:
    text = (
        "objectives:\n"
        "  - {sli: a, weight: 0.5, pass: [{criteria: ['<1']}]}\n"
        "  - {sli: b, weight: 2.5, pass: [{criteria: ['<1']}]}\n"
        "total_score: {pass: '101%'}\n"
    )

    report = validate_document(text, "slo.yaml")

    assert [line.split(": warning: ")[1][:40] for line in report.warnings] == [
        "a weight of 0 counts as 1 (Keptn's defau",
        "weights are whole numbers: this one coun",
        "scores go up to 100%: no evaluation with",
    ]
    assert "objectives[0].weight '0.5'" in report.warnings[0]
    assert "counts as 2" in report.warnings[1]


def test_criteria_sets_without_criteria_are_warned_about_with_their_effect() -> None:
    text = (
        "objectives:\n"
        "  - {sli: a, pass: [{criteria: []}], warning: [{criteria: []}]}\n"
        "  - {sli: b, pass: [{criteria: []}, {criteria: ['<1']}]}\n"
        "total_score: {pass: '90%'}\n"
    )

    report = validate_document(text, "slo.yaml")

    messages = [line.split(": warning: ")[1] for line in report.warnings]
    assert messages == [
        "a pass criteria set without criteria always holds: the objective always passes, yet "
        "with no criteria at all its score never counts while its weight does",
        "a warning criteria set without criteria always holds: the objective is a warning "
        "whenever its pass criteria fail",
        "a pass criteria set without criteria always holds: the objective always passes",
    ]
