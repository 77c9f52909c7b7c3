"""Shipyard validation (reference 1.1/1.2) and the lookups the sequencer relies on."""

from __future__ import annotations

import pytest

from chalicelib.domain.shipyard import BUILTIN_EVALUATION, Shipyard
from chalicelib.domain.yamldoc import document_problems, parse_document
from chalicelib.errors import NotFound

VALID = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: direct
    - name: prod
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: approval
              properties: {pass: automatic, warning: manual}
            - name: deployment
        - name: rollback
          triggeredOn:
            - event: prod.delivery.finished
              selector:
                match:
                  result: fail
          tasks:
            - name: rollback
        - name: remediation
          triggeredOn:
            - event: prod.remediation.finished
              selector:
                match:
                  evaluation.result: fail
          tasks:
            - name: get-action
            - name: action
            - name: evaluation
              triggeredAfter: 10m
              properties:
                timeframe: 10m
"""

HEADER = "apiVersion: spec.keptn.sh/0.2.3\nkind: Shipyard\nmetadata: {name: x}\nspec:\n"


def problems(text: str) -> list[str]:
    return document_problems(text, Shipyard, "shipyard.yaml")


def test_valid_shipyard_has_no_problems() -> None:
    assert problems(VALID) == []


def test_uppercase_stage_name_exact_message() -> None:
    text = VALID.replace("    - name: prod\n", "    - name: Prod\n")

    assert problems(text)[0] == (
        "shipyard.yaml: spec.stages[1].name 'Prod' (line 14): must start with a lowercase "
        "letter and contain only lowercase letters, digits and '-'"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("dev.eu", "must not contain '.'"),
        ("dev-", "must not end with '-'"),
        ("1dev", "must start with a lowercase letter"),
        ("dev_eu", "must start with a lowercase letter"),
        ('""', "must not be empty"),
    ],
)
def test_stage_name_rules(name: str, message: str) -> None:
    text = VALID.replace("    - name: dev\n", f"    - name: {name}\n")

    first = problems(text)[0]

    assert first.startswith("shipyard.yaml: spec.stages[0].name ")
    assert "(line 7): " in first
    assert message in first


def test_sequence_name_with_dot_is_refused() -> None:
    text = VALID.replace("\n        - name: rollback\n", "\n        - name: roll.back\n")

    assert problems(text) == [
        "shipyard.yaml: spec.stages[1].sequences[1].name 'roll.back' (line 23): must not "
        "contain '.': names are segments of event types "
        "(sh.keptn.event.<stage>.<sequence>.triggered)"
    ]


def test_task_name_with_dot_is_refused_but_other_characters_are_fine() -> None:
    dotted = VALID.replace("            - name: action\n", "            - name: run.action\n")
    camel = VALID.replace("            - name: action\n", "            - name: runAction_2\n")

    assert problems(dotted) == [
        "shipyard.yaml: spec.stages[1].sequences[2].tasks[1].name 'run.action' (line 39): "
        "must not contain '.': names are segments of event types (sh.keptn.event.<task>.triggered)"
    ]
    assert problems(camel) == []


def test_duplicate_stage_names_point_at_the_second() -> None:
    text = VALID.replace("    - name: prod\n", "    - name: dev\n").replace("prod.", "dev.")

    assert problems(text) == [
        "shipyard.yaml: spec.stages[1].name 'dev' (line 14): stage name 'dev' is already used "
        "by stages[0]"
    ]


def test_duplicate_sequence_names_in_one_stage_are_refused() -> None:
    text = VALID.replace("\n        - name: rollback\n", "\n        - name: delivery\n")

    lines = problems(text)

    assert lines[0] == (
        "shipyard.yaml: spec.stages[1].sequences[1].name 'delivery' (line 23): sequence name "
        "'delivery' is already used by sequences[0]"
    )


def test_same_task_twice_in_a_sequence_is_allowed() -> None:
    text = VALID.replace(
        "            - name: rollback\n",
        "            - name: rollback\n            - name: rollback\n",
    )

    assert problems(text) == []


@pytest.mark.parametrize(
    ("delay", "message"),
    [
        ("'10'", "is not a Go duration: every number needs a unit"),
        ("10 minutes", "unknown unit ' minutes'"),
        ("1d", "unknown unit 'd'"),
        ("-5m", "is negative"),
        ("10", "must be a string, found a number (put it in quotes)"),
    ],
)
def test_bad_triggered_after(delay: str, message: str) -> None:
    text = VALID.replace("triggeredAfter: 10m", f"triggeredAfter: {delay}")

    lines = problems(text)

    assert len(lines) == 1
    assert lines[0].startswith(
        "shipyard.yaml: spec.stages[1].sequences[2].tasks[2].triggeredAfter "
    )
    assert "(line 41): " in lines[0]
    assert message in lines[0]


@pytest.mark.parametrize("delay", ["90s", "1h30m", "500ms", "'0'", "1.5h"])
def test_good_triggered_after(delay: str) -> None:
    assert problems(VALID.replace("triggeredAfter: 10m", f"triggeredAfter: {delay}")) == []


def test_pre_02_api_version_is_refused_with_migration_advice() -> None:
    lines = problems(VALID.replace("spec.keptn.sh/0.2.3", "spec.keptn.sh/0.1.7"))

    assert len(lines) == 1
    assert lines[0].startswith("shipyard.yaml: apiVersion 'spec.keptn.sh/0.1.7' (line 1): ")
    assert "pre-0.2 shipyard format, which is not supported" in lines[0]
    assert "migrate it to the 0.2.x format" in lines[0]


def test_keptn_07_format_is_refused_as_pre_02() -> None:
    old = "registry: shop\nstages:\n  - name: dev\n    deployment_strategy: direct\n"

    lines = problems(old)

    assert len(lines) == 1
    assert lines[0].startswith("shipyard.yaml: top level (line 1): this is the pre-0.2 shipyard")
    assert "not supported" in lines[0]


@pytest.mark.parametrize(
    ("version", "accepted"),
    [
        ("spec.keptn.sh/0.2.0", True),
        ("spec.keptn.sh/0.2.4", True),
        ("spec.keptn.sh/0.3.0", True),
        ("spec.keptn.sh/0.2", True),
        ("spec.keptn.sh/0", False),
        ("spec.keptn.sh/garbage", False),
        ("keptn.sh/0.2.3", False),
    ],
)
def test_api_version_rule(version: str, accepted: bool) -> None:
    assert (problems(VALID.replace("spec.keptn.sh/0.2.3", version)) == []) is accepted


def test_kind_must_be_shipyard() -> None:
    assert problems(VALID.replace("kind: Shipyard", "kind: Shipyards")) == [
        "shipyard.yaml: kind 'Shipyards' (line 2): must be 'Shipyard'"
    ]


def test_no_stages_is_refused() -> None:
    text = HEADER + "  stages: []\n"

    assert problems(text) == ["shipyard.yaml: spec.stages (line 5): must have at least 1 entry"]


def test_sequence_without_tasks_is_accepted_like_keptn() -> None:
    # Keptn reports an empty sequence when it is triggered (reference 3.8), not at creation.
    text = VALID.replace(
        "          tasks:\n            - name: rollback\n", "          tasks: []\n"
    )

    assert problems(text) == []


def test_sequence_names_need_not_be_entity_names() -> None:
    text = VALID.replace(
        "- name: rollback\n          triggeredOn", "- name: rollBack\n          triggeredOn"
    )

    assert "name: rollBack" in text
    assert problems(text) == []


@pytest.mark.parametrize("event", ["qa.delivery.finished", "dev.deliver.finished"])
def test_a_trigger_on_a_missing_sequence_is_accepted_and_never_fires(event: str) -> None:
    # Keptn does not check triggers; such a shipyard is valid and the trigger simply never matches.
    text = VALID.replace("- event: dev.delivery.finished", f"- event: {event}")

    assert f"- event: {event}" in text
    assert problems(text) == []


def test_missing_task_name_points_at_the_task() -> None:
    text = VALID.replace("            - name: rollback\n", "            - properties: {}\n")

    assert problems(text) == [
        "shipyard.yaml: spec.stages[1].sequences[1].tasks[0] (line 30): field 'name' is required"
    ]


def test_unknown_keys_are_refused_except_in_properties() -> None:
    typo = VALID.replace(
        "          triggeredOn:\n            - event: dev",
        "          triggeredon:\n            - event: dev",
    )
    extra_property = VALID.replace(
        "deploymentstrategy: direct",
        "deploymentstrategy: direct\n                anything: {goes: [1]}",
    )

    assert problems(typo) == [
        "shipyard.yaml: spec.stages[1].sequences[0].triggeredon (line 17): unknown field "
        "'triggeredon'; allowed fields: name, triggeredOn, tasks"
    ]
    assert problems(extra_property) == []


def test_snake_case_spelling_is_not_accepted_for_keptn_keys() -> None:
    text = VALID.replace("triggeredAfter: 10m", "triggered_after: 10m")

    assert "unknown field 'triggered_after'" in problems(text)[0]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("sh.keptn.event.dev.delivery.finished", "use the short form"),
        ("dev.delivery.triggered", "must be <stage>.<sequence>.finished"),
        ("dev.finished", "must be <stage>.<sequence>.finished"),
    ],
)
def test_trigger_event_rules(event: str, message: str) -> None:
    text = VALID.replace("- event: dev.delivery.finished", f"- event: {event}")

    lines = problems(text)

    assert len(lines) == 1
    assert lines[0].startswith(
        f"shipyard.yaml: spec.stages[1].sequences[0].triggeredOn[0].event '{event}' (line 18): "
    )
    assert message in lines[0]


def test_trigger_on_builtin_evaluation_sequence_is_fine() -> None:
    assert (
        problems(
            VALID.replace("- event: dev.delivery.finished", "- event: dev.evaluation.finished")
        )
        == []
    )


def test_selector_values_must_be_strings_and_match_is_required() -> None:
    boolean = VALID.replace(
        "match:\n                  result: fail", "match:\n                  result: true"
    )
    no_match = VALID.replace(
        "              selector:\n                match:\n                  result: fail\n",
        "              selector: {}\n",
    )

    assert problems(boolean) == [
        "shipyard.yaml: spec.stages[1].sequences[1].triggeredOn[0].selector.match.result 'true' "
        "(line 28): must be a string, found true/false (put it in quotes)"
    ]
    assert problems(no_match) == [
        "shipyard.yaml: spec.stages[1].sequences[1].triggeredOn[0].selector (line 26): "
        "field 'match' is required"
    ]


def test_empty_optional_keys_are_refused() -> None:
    text = VALID.replace("triggeredAfter: 10m", "triggeredAfter:")

    assert problems(text) == [
        "shipyard.yaml: spec.stages[1].sequences[2].tasks[2].triggeredAfter (line 41): "
        "must not be empty: give it a value or remove the key"
    ]


def test_stage_without_sequences_key_is_accepted() -> None:
    text = HEADER + "  stages:\n    - name: hardening\n"

    shipyard = parse_document(text, Shipyard, "shipyard.yaml")

    assert shipyard.stage("hardening").sequences == []


def test_lookups_for_the_sequencer() -> None:
    shipyard = parse_document(VALID, Shipyard, "shipyard.yaml")

    assert shipyard.stage_names() == ["dev", "prod"]
    assert shipyard.stage("prod").sequence_names() == ["delivery", "rollback", "remediation"]
    remediation = shipyard.sequence("prod", "remediation")
    assert [task.name for task in remediation.tasks] == ["get-action", "action", "evaluation"]
    assert remediation.tasks[2].delay_seconds == 600.0
    assert remediation.tasks[0].delay_seconds == 0.0
    assert remediation.tasks[2].properties == {"timeframe": "10m"}
    assert shipyard.find_stage("qa") is None
    assert shipyard.find_sequence("dev", "nope") is None


def test_builtin_evaluation_sequence_when_a_stage_has_none() -> None:
    shipyard = parse_document(VALID, Shipyard, "shipyard.yaml")

    evaluation = shipyard.sequence("dev", "evaluation")

    assert evaluation is BUILTIN_EVALUATION
    assert [task.name for task in evaluation.tasks] == ["evaluation"]


def test_user_defined_evaluation_sequence_overrides_the_builtin() -> None:
    text = VALID.replace("\n        - name: rollback\n", "\n        - name: evaluation\n")
    shipyard = parse_document(text, Shipyard, "shipyard.yaml")

    assert [task.name for task in shipyard.sequence("prod", "evaluation").tasks] == ["rollback"]


def test_not_found_messages_name_what_exists() -> None:
    shipyard = parse_document(VALID, Shipyard, "shipyard.yaml")

    with pytest.raises(
        NotFound, match="no stage with name 'qa' in the shipyard; stages are: dev, prod"
    ):
        shipyard.stage("qa")
    with pytest.raises(NotFound, match="no task sequence with name 'deploy' found in stage 'dev'"):
        shipyard.sequence("dev", "deploy")


def test_triggered_by_lists_followers_in_file_order() -> None:
    shipyard = parse_document(VALID, Shipyard, "shipyard.yaml")

    followers = shipyard.triggered_by("prod", "delivery")

    assert [(stage.name, seq.name) for stage, seq, _ in followers] == [("prod", "rollback")]
    assert followers[0][2].selector is not None
    assert followers[0][2].selector.match == {"result": "fail"}
    assert shipyard.triggered_by("dev", "rollback") == []


def test_round_trip_keeps_keptn_key_names() -> None:
    shipyard = parse_document(VALID, Shipyard, "shipyard.yaml")

    dumped = shipyard.model_dump(exclude_defaults=True)

    assert dumped["apiVersion"] == "spec.keptn.sh/0.2.3"
    assert dumped["spec"]["stages"][1]["sequences"][2]["tasks"][2]["triggeredAfter"] == "10m"
    assert Shipyard.model_validate(dumped) == shipyard
