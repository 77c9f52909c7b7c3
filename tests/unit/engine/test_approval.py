"""The approval decision matrix (reference 2.4), cell by cell."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.engine.approval import (
    Strategy,
    Verdict,
    decide,
    decide_triggered,
    previous_result,
)

ABSENT = object()
STRATEGIES: list[object] = ["automatic", "manual", "", ABSENT]


def _properties(pass_strategy: object, warning_strategy: object) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if pass_strategy is not ABSENT:
        properties["pass"] = pass_strategy
    if warning_strategy is not ABSENT:
        properties["warning"] = warning_strategy
    return properties


@pytest.mark.parametrize("warning_strategy", STRATEGIES)
def test_pass_with_automatic_pass_approves_at_once(warning_strategy: object) -> None:
    decision = decide("pass", _properties("automatic", warning_strategy))
    assert decision.verdict is Verdict.AUTO_PASS
    assert decision.finished_result == "pass"
    assert decision.started_message == "Approval strategy for result 'pass': automatic"


@pytest.mark.parametrize("pass_strategy", ["manual", "", ABSENT])
@pytest.mark.parametrize("warning_strategy", STRATEGIES)
def test_pass_with_manual_or_empty_pass_waits(
    pass_strategy: object, warning_strategy: object
) -> None:
    # Absent means manual: Keptn's code (its spec says automatic).
    decision = decide("pass", _properties(pass_strategy, warning_strategy))
    assert decision.verdict is Verdict.WAIT
    assert decision.finished_result is None
    assert decision.started_message == "Approval strategy for result 'pass': manual"


@pytest.mark.parametrize("pass_strategy", STRATEGIES)
def test_warning_with_automatic_warning_approves_at_once(pass_strategy: object) -> None:
    decision = decide("warning", _properties(pass_strategy, "automatic"))
    assert decision.verdict is Verdict.AUTO_PASS
    assert decision.finished_result == "pass"
    assert decision.started_message == "Approval strategy for result 'warning': automatic"


@pytest.mark.parametrize("pass_strategy", STRATEGIES)
@pytest.mark.parametrize("warning_strategy", ["manual", "", ABSENT])
def test_warning_with_manual_or_empty_warning_waits(
    pass_strategy: object, warning_strategy: object
) -> None:
    decision = decide("warning", _properties(pass_strategy, warning_strategy))
    assert decision.verdict is Verdict.WAIT
    assert decision.finished_result is None
    assert decision.started_message == "Approval strategy for result 'warning': manual"


@pytest.mark.parametrize("pass_strategy", STRATEGIES)
@pytest.mark.parametrize("warning_strategy", STRATEGIES)
def test_fail_is_declined_at_once_whatever_the_strategies(
    pass_strategy: object, warning_strategy: object
) -> None:
    decision = decide("fail", _properties(pass_strategy, warning_strategy))
    assert decision.verdict is Verdict.AUTO_FAIL
    assert decision.finished_result == "fail"
    assert decision.started_message == "Approval strategy for result 'fail': automatic"


@pytest.mark.parametrize("pass_strategy", STRATEGIES)
@pytest.mark.parametrize("warning_strategy", STRATEGIES)
def test_empty_result_waits_whatever_the_strategies(
    pass_strategy: object, warning_strategy: object
) -> None:
    decision = decide("", _properties(pass_strategy, warning_strategy))
    assert decision.verdict is Verdict.WAIT
    assert decision.finished_result is None
    # Word for word what Keptn's approval-service sent (seen in Keptn's Bridge test fixtures).
    assert decision.started_message == "Approval strategy for result '': manual"


def test_only_the_literal_automatic_approves() -> None:
    assert decide("pass", {"pass": "Automatic"}).verdict is Verdict.WAIT
    assert decide("warning", {"warning": True}).verdict is Verdict.WAIT


def test_failed_reads_as_fail() -> None:
    decision = decide("failed", {"pass": "automatic", "warning": "automatic"})
    assert decision.verdict is Verdict.AUTO_FAIL
    assert decision.started_message == "Approval strategy for result 'fail': automatic"


def test_the_decision_names_its_strategy() -> None:
    assert decide("pass", {"pass": "automatic"}).strategy is Strategy.AUTOMATIC
    assert decide("warning", {}).strategy is Strategy.MANUAL


# --- which result the approval is about -----------------------------------------------------


def test_previous_result_is_the_result_field() -> None:
    assert previous_result({"result": "warning", "evaluation": {"result": "pass"}}) == "warning"


def test_previous_result_falls_back_to_the_evaluation_result_when_empty() -> None:
    assert previous_result({"result": "", "evaluation": {"result": "warning"}}) == "warning"
    assert previous_result({"evaluation": {"result": "pass"}}) == "pass"


def test_previous_result_is_empty_when_neither_is_set() -> None:
    assert previous_result({}) == ""
    assert previous_result({"evaluation": {"score": 80}}) == ""
    assert previous_result({"evaluation": "not a map"}) == ""


def test_example_a_production_approval_from_the_triggered_data() -> None:
    # Example A: production's approval has pass: automatic, warning: manual.
    approval = {"pass": "automatic", "warning": "manual"}
    data: dict[str, Any] = {
        "project": "sockshop",
        "stage": "production",
        "service": "carts",
        "approval": approval,
    }
    passed = decide_triggered({**data, "result": "pass"})
    assert passed.verdict is Verdict.AUTO_PASS
    warned = decide_triggered({**data, "result": "warning"})
    assert warned.verdict is Verdict.WAIT
    assert warned.started_message == "Approval strategy for result 'warning': manual"
    gate = decide_triggered({**data, "evaluation": {"result": "fail", "score": 20}})
    assert gate.verdict is Verdict.AUTO_FAIL


def test_triggered_data_without_an_approval_object_is_manual() -> None:
    decision = decide_triggered({"result": "pass"})
    assert decision.verdict is Verdict.WAIT
    assert decision.started_message == "Approval strategy for result 'pass': manual"
