"""remediation.yaml validation and get-action's choice of action (reference 5.1, 5.3)."""

from __future__ import annotations

import pytest

from chalicelib.domain.remediation import Remediation
from chalicelib.domain.yamldoc import document_problems, parse_document

VALID = """\
apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
metadata:
  name: carts-remediation
spec:
  remediations:
    - problemType: Response time degradation
      actionsOnOpen:
        - name: Scale up by one
          action: scaling
          description: Add one replica
          value: "1"
        - name: Disable promotion
          action: featuretoggle
          description: Toggle EnablePromotion off
          value:
            EnablePromotion: "off"
    - problemType: response_time_p90
      actionsOnOpen:
        - name: Restart
          action: restart
    - problemType: default
      actionsOnOpen:
        - name: Escalate
          action: escalate
          description: Page the on-call engineer
          value: {}
"""


def problems(text: str) -> list[str]:
    return document_problems(text, Remediation, "remediation.yaml")


@pytest.fixture
def remediation() -> Remediation:
    return parse_document(VALID, Remediation, "remediation.yaml")


def test_valid_file_and_value_forms(remediation: Remediation) -> None:
    actions = remediation.spec.remediations[0].actions_on_open

    assert problems(VALID) == []
    assert actions[0].value == "1"
    assert actions[1].value == {"EnablePromotion": "off"}
    # value and description may be left out, as Keptn's own quickstart does
    assert remediation.spec.remediations[1].actions_on_open[0].value is None


@pytest.mark.parametrize("version", ["spec.keptn.sh/0.1.3", "spec.keptn.sh/0.2.0", "v1"])
def test_api_version_must_be_exactly_0_1_4(version: str) -> None:
    assert problems(VALID.replace("spec.keptn.sh/0.1.4", version)) == [
        f"remediation.yaml: apiVersion '{version}' (line 1): must be 'spec.keptn.sh/0.1.4'"
    ]


def test_action_fields_are_checked() -> None:
    text = VALID.replace("          action: restart\n", "").replace('value: "1"', "value: [1, 2]")

    assert problems(text) == [
        "remediation.yaml: spec.remediations[0].actionsOnOpen[0].value (line 12): "
        "must be a string or a mapping, found a list",
        "remediation.yaml: spec.remediations[1].actionsOnOpen[0] (line 20): "
        "field 'action' is required",
    ]


def test_duplicate_problem_type_is_refused() -> None:
    text = VALID.replace("problemType: response_time_p90", "problemType: default")

    assert problems(text) == [
        "remediation.yaml: spec.remediations[2].problemType 'default' (line 22): problemType "
        "'default' is already listed in remediations[1]; only the first would ever be used"
    ]


def test_empty_action_list_is_refused() -> None:
    text = VALID.replace(
        "      actionsOnOpen:\n        - name: Restart\n          action: restart\n",
        "      actionsOnOpen: []\n",
    )

    assert problems(text) == [
        "remediation.yaml: spec.remediations[1].actionsOnOpen (line 19): must have at least 1 entry"
    ]


def test_root_cause_wins_over_problem_title(remediation: Remediation) -> None:
    actions = remediation.actions_for("Response time degradation", "response_time_p90")

    assert actions is not None
    assert [a.action for a in actions] == ["restart"]


def test_problem_title_then_default(remediation: Remediation) -> None:
    by_title = remediation.actions_for("Response time degradation", "unknown cause")
    fallback = remediation.actions_for("CPU saturation", None)

    assert by_title is not None
    assert [a.action for a in by_title] == ["scaling", "featuretoggle"]
    assert fallback is not None
    assert [a.action for a in fallback] == ["escalate"]


def test_no_match_without_default() -> None:
    text = VALID.split("    - problemType: default")[0]
    remediation = parse_document(text, Remediation, "remediation.yaml")

    choice = remediation.choose_action("CPU saturation", None, 0)

    assert remediation.actions_for("CPU saturation", None) is None
    assert choice.action is None
    assert choice.message == "unable to find action for CPU saturation"


def test_choose_action_walks_the_list_then_ends(remediation: Remediation) -> None:
    first = remediation.choose_action("Response time degradation", None, 0)
    second = remediation.choose_action("Response time degradation", None, first.next_index)
    exhausted = remediation.choose_action("Response time degradation", None, second.next_index)

    assert first.action is not None
    assert first.action.action == "scaling"
    assert second.action is not None
    assert second.action.action == "featuretoggle"
    assert (first.next_index, second.next_index) == (1, 2)
    assert exhausted.action is None
    assert exhausted.message == "there is no action with index 2 for Response time degradation"
