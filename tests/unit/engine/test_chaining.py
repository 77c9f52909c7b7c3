"""Chaining (reference 1.4, 1.6) on the reference's Example shipyards A, B and C (section 1.9)."""

from __future__ import annotations

import pytest

from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.chaining import FollowUp, follow_ups

EXAMPLE_A = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-sockshop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: direct
            - name: test
              properties:
                teststrategy: functional
            - name: evaluation
            - name: release
    - name: hardening
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: direct
            - name: test
              properties:
                teststrategy: performance
            - name: evaluation
              properties:
                timeframe: 5m
        - name: rollback
          triggeredOn:
            - event: hardening.delivery.finished
              selector:
                match:
                  result: fail
          tasks:
            - name: rollback
    - name: production
      sequences:
        - name: delivery
          triggeredOn:
            - event: hardening.delivery.finished
          tasks:
            - name: approval
              properties:
                pass: automatic
                warning: manual
            - name: deployment
              properties:
                deploymentstrategy: blue_green_service
            - name: release
        - name: remediation
          triggeredOn:
            - event: production.remediation.finished
              selector:
                match:
                  evaluation.result: fail
          tasks:
            - name: get-action
            - name: action
            - name: evaluation
              triggeredAfter: "10m"
              properties:
                timeframe: "10m"
"""

EXAMPLE_B = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-quality-gates
spec:
  stages:
    - name: hardening
      sequences: []
    - name: production
      sequences:
        - name: evaluation
          tasks:
            - name: evaluation
              properties:
                timeframe: 15m
            - name: notify
"""

EXAMPLE_C = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-payments
spec:
  stages:
    - name: staging
      sequences:
        - name: validate
          tasks:
            - name: je-deployment
            - name: load-test
              properties:
                users: 50
            - name: evaluation
              triggeredAfter: "2m"
              properties:
                timeframe: 5m
    - name: prod-eu
      sequences:
        - name: validate
          triggeredOn:
            - event: staging.validate.finished
          tasks:
            - name: je-deployment
    - name: prod-us
      sequences:
        - name: validate
          triggeredOn:
            - event: staging.validate.finished
          tasks:
            - name: je-deployment
        - name: notify-failure
          triggeredOn:
            - event: prod-us.validate.finished
              selector:
                match:
                  je-deployment.result: fail
          tasks:
            - name: page-oncall
"""


def _shipyard(text: str) -> Shipyard:
    return parse_document(text, Shipyard, "shipyard.yaml")


def _two_stages(trigger_yaml: str) -> Shipyard:
    """dev.delivery, and prod.delivery triggered by it with the given triggeredOn entries."""
    return _shipyard(
        f"""\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-selectors
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: evaluation
    - name: prod
      sequences:
        - name: delivery
          triggeredOn:
{trigger_yaml}
          tasks:
            - name: deployment
"""
    )


A = _shipyard(EXAMPLE_A)
B = _shipyard(EXAMPLE_B)
C = _shipyard(EXAMPLE_C)
PROD = [("prod", "delivery")]


# --- no selector: pass and warning ------------------------------------------------------------


@pytest.mark.parametrize("result", ["pass", "warning"])
def test_no_selector_chains_on_pass_and_on_warning(result: str) -> None:
    assert follow_ups(A, "dev", "delivery", result, "release") == [("hardening", "delivery")]


def test_no_selector_does_not_chain_on_fail() -> None:
    assert follow_ups(A, "dev", "delivery", "fail", "evaluation") == []


def test_hardening_warning_goes_to_production_not_to_rollback() -> None:
    assert follow_ups(A, "hardening", "delivery", "warning", "evaluation") == [
        ("production", "delivery")
    ]
    assert follow_ups(A, "hardening", "delivery", "pass", "evaluation") == [
        ("production", "delivery")
    ]


# --- selectors ------------------------------------------------------------------------------


def test_result_selector_starts_the_rollback_on_fail() -> None:
    assert follow_ups(A, "hardening", "delivery", "fail", "evaluation") == [
        ("hardening", "rollback")
    ]


def test_last_task_result_selector_loops_the_remediation() -> None:
    assert follow_ups(A, "production", "remediation", "fail", "evaluation") == [
        ("production", "remediation")
    ]


def test_last_task_result_selector_only_looks_at_the_last_executed_task() -> None:
    # The remediation stopped at a failing `action`: `evaluation.result` is not about it.
    assert follow_ups(A, "production", "remediation", "fail", "action") == []
    assert follow_ups(A, "production", "remediation", "fail", None) == []


def test_a_selector_only_matches_its_own_result() -> None:
    assert follow_ups(A, "production", "remediation", "pass", "evaluation") == []
    assert follow_ups(A, "production", "remediation", "warning", "evaluation") == []


def test_custom_task_result_selector_in_example_c() -> None:
    assert follow_ups(C, "prod-us", "validate", "fail", "je-deployment") == [
        ("prod-us", "notify-failure")
    ]
    assert follow_ups(C, "prod-us", "validate", "fail", "load-test") == []
    assert follow_ups(C, "prod-eu", "validate", "fail", "je-deployment") == []


def test_failed_in_a_selector_is_an_alias_of_fail() -> None:
    result_failed = _two_stages(
        "            - event: dev.delivery.finished\n"
        "              selector:\n"
        "                match:\n"
        "                  result: failed\n"
    )
    assert follow_ups(result_failed, "dev", "delivery", "fail", "evaluation") == PROD
    task_failed = _two_stages(
        "            - event: dev.delivery.finished\n"
        "              selector:\n"
        "                match:\n"
        "                  evaluation.result: failed\n"
    )
    assert follow_ups(task_failed, "dev", "delivery", "fail", "evaluation") == PROD
    assert follow_ups(task_failed, "dev", "delivery", "pass", "evaluation") == []


def test_a_failed_sequence_result_reads_as_fail() -> None:
    assert follow_ups(A, "hardening", "delivery", "failed", "evaluation") == [
        ("hardening", "rollback")
    ]


@pytest.mark.parametrize("result", ["pass", "warning", "fail"])
def test_an_explicitly_empty_match_never_matches(result: str) -> None:
    empty = _two_stages(
        "            - event: dev.delivery.finished\n"
        "              selector:\n"
        "                match: {}\n"
    )
    assert follow_ups(empty, "dev", "delivery", result, "evaluation") == []


def test_other_keys_in_match_are_ignored() -> None:
    with_extra = _two_stages(
        "            - event: dev.delivery.finished\n"
        "              selector:\n"
        "                match:\n"
        "                  result: pass\n"
        "                  stage: somewhere-else\n"
    )
    assert follow_ups(with_extra, "dev", "delivery", "pass", "evaluation") == PROD
    only_extra = _two_stages(
        "            - event: dev.delivery.finished\n"
        "              selector:\n"
        "                match:\n"
        "                  deployment.status: succeeded\n"
    )
    assert follow_ups(only_extra, "dev", "delivery", "pass", "evaluation") == []


def test_result_or_last_task_result_either_matches() -> None:
    either = _two_stages(
        "            - event: dev.delivery.finished\n"
        "              selector:\n"
        "                match:\n"
        "                  result: pass\n"
        "                  evaluation.result: fail\n"
    )
    assert follow_ups(either, "dev", "delivery", "pass", "evaluation") == PROD
    assert follow_ups(either, "dev", "delivery", "fail", "evaluation") == PROD
    assert follow_ups(either, "dev", "delivery", "fail", "deployment") == []
    assert follow_ups(either, "dev", "delivery", "warning", "evaluation") == []


def test_two_matching_triggers_start_the_sequence_once() -> None:
    twice = _two_stages(
        "            - event: dev.delivery.finished\n"
        "            - event: dev.delivery.finished\n"
        "              selector:\n"
        "                match:\n"
        "                  result: pass\n"
    )
    assert follow_ups(twice, "dev", "delivery", "pass", "evaluation") == PROD


# --- fan-out, ends, interruptions -----------------------------------------------------------


@pytest.mark.parametrize("result", ["pass", "warning"])
def test_fan_out_to_two_stages_in_shipyard_order(result: str) -> None:
    assert follow_ups(C, "staging", "validate", result, "evaluation") == [
        FollowUp("prod-eu", "validate"),
        FollowUp("prod-us", "validate"),
    ]


def test_fan_out_does_not_happen_on_fail() -> None:
    assert follow_ups(C, "staging", "validate", "fail", "evaluation") == []


def test_the_last_stage_ends_the_chain() -> None:
    assert follow_ups(A, "production", "delivery", "pass", "release") == []
    assert follow_ups(B, "production", "evaluation", "pass", "notify") == []
    assert follow_ups(B, "hardening", "evaluation", "pass", "evaluation") == []


@pytest.mark.parametrize(
    ("stage", "sequence", "result", "last_task"),
    [
        ("dev", "delivery", "pass", "deployment"),  # aborted: Keptn reports result pass
        ("hardening", "delivery", "fail", "test"),  # timed out: errored / fail
        ("production", "remediation", "fail", "evaluation"),
    ],
)
def test_aborted_or_timed_out_sequences_never_chain(
    stage: str, sequence: str, result: str, last_task: str
) -> None:
    assert follow_ups(A, stage, sequence, result, last_task, interrupted=True) == []
