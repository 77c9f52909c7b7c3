"""A canary plan compiled to a state machine: shift, bake, evaluate and check per step, then
promote; every failure path rolls back; one machine per plan, one execution per deployment."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.deployments import PlanStep
from chalicelib.engine.deploy.canary_machine import (
    canary_execution_name,
    canary_machine_name,
    compile_canary,
)

QUEUE = "https://sqs.eu-west-1.amazonaws.com/111122223333/quartermaster-prod-deploy"
PLAN = (PlanStep(weight=10, bake_seconds=300), PlanStep(weight=50, bake_seconds=600))


def _walk(definition: dict[str, Any], outcomes: dict[str, str]) -> list[str]:
    """The states entered when each Choice takes `outcomes.get(name, 'Default')`."""
    states, current = definition["States"], definition["StartAt"]
    entered: list[str] = []
    while True:
        entered.append(current)
        state = states[current]
        if state.get("End"):
            return entered
        if state["Type"] == "Choice":
            fail = outcomes.get(current) == "fail"
            current = state["Choices"][0]["Next"] if fail else state["Default"]
        else:
            current = state["Next"]


def test_each_step_shifts_bakes_evaluates_and_checks_then_promotes() -> None:
    definition = compile_canary(PLAN, deploy_queue_url=QUEUE, evaluation_timeout=900)
    assert _walk(definition, {}) == [
        "Shift 1 (10%)",
        "Check shift 1",
        "Bake 1 (300s)",
        "Evaluate 1",
        "Check 1",
        "Shift 2 (50%)",
        "Check shift 2",
        "Bake 2 (600s)",
        "Evaluate 2",
        "Check 2",
        "Promote",
        "Check promotion",
        "Finish",
    ]
    states = definition["States"]
    assert states["Bake 1 (300s)"]["Seconds"] == 300
    assert states["Bake 2 (600s)"]["Seconds"] == 600
    shift = states["Shift 2 (50%)"]
    assert shift["Resource"] == "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    assert shift["Parameters"]["QueueUrl"] == QUEUE
    assert shift["Parameters"]["MessageBody"] == {
        "kind": "shift",
        "step": 2,
        "weight": 50,
        "deployment.$": "$.run.deployment",
        "taskToken.$": "$$.Task.Token",
    }
    assert states["Evaluate 1"]["TimeoutSeconds"] == 900


def test_a_failing_evaluation_rolls_back_and_finishes() -> None:
    definition = compile_canary(PLAN, deploy_queue_url=QUEUE, evaluation_timeout=900)
    assert _walk(definition, {"Check 1": "fail"})[-3:] == ["Check 1", "Roll back", "Finish"]
    assert _walk(definition, {"Check shift 2": "fail"})[-2:] == ["Roll back", "Finish"]
    assert _walk(definition, {"Check promotion": "fail"})[-2:] == ["Roll back", "Finish"]


def test_errors_and_timeouts_roll_back_too() -> None:
    states = compile_canary(PLAN, deploy_queue_url=QUEUE, evaluation_timeout=60)["States"]
    for name in ("Shift 1 (10%)", "Evaluate 2", "Promote"):
        catches = {tuple(c["ErrorEquals"]): c["Next"] for c in states[name]["Catch"]}
        assert catches[("States.ALL",)] == "Roll back"
    timeout = {tuple(c["ErrorEquals"]): c["Next"] for c in states["Evaluate 1"]["Catch"]}
    assert timeout[("States.Timeout",)] == "Evaluation 1 timed out"
    assert states["Evaluation 1 timed out"]["Result"]["timedOutSeconds"] == 60
    assert states["Evaluation 1 timed out"]["Next"] == "Roll back"
    # A rollback that fails still ends the execution with its message.
    assert states["Roll back"]["Catch"][0]["Next"] == "Finish"
    assert states["Finish"]["Parameters"]["MessageBody"]["kind"] == "finished"


def test_one_machine_per_plan_and_one_execution_per_deployment() -> None:
    one = compile_canary(PLAN, deploy_queue_url=QUEUE, evaluation_timeout=900)
    other = compile_canary(PLAN[:1], deploy_queue_url=QUEUE, evaluation_timeout=900)
    assert canary_machine_name("prod", one) == canary_machine_name("prod", dict(one))
    assert canary_machine_name("prod", one) != canary_machine_name("prod", other)
    assert canary_machine_name("prod", one).startswith("qm-prod-canary_v")
    assert canary_execution_name("a") == canary_execution_name("a")
    assert canary_execution_name("a") != canary_execution_name("b")
    assert len(canary_execution_name("x" * 500)) <= 80
