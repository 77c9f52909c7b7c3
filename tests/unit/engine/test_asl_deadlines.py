"""The answer deadline in the compiled machines: the Task state's heartbeat, then a wait on a
new token that the control plane answers (chalicelib/engine/asl.py, execution contract)."""

from __future__ import annotations

from typing import Any

from chalicelib.engine.asl import DISPATCH_RESOURCE, FINISH, SEND_RETRY, compile_sequence
from tests.unit.engine.test_asl import CONTROL, DISPATCH, sequence, states, successors, walk

WAIT = 600


def compile_waiting(*tasks: dict[str, Any], answer_seconds: int = WAIT) -> dict[str, Any]:
    return compile_sequence(
        sequence(*tasks),
        dispatch_queue_url=DISPATCH,
        control_queue_url=CONTROL,
        answer_seconds=answer_seconds,
    )


def test_a_task_waits_for_its_first_answer_no_longer_than_the_deadline() -> None:
    definition = compile_waiting({"name": "deployment"}, {"name": "test"})
    task = states(definition)["Task 0 deployment"]

    assert task["HeartbeatSeconds"] == WAIT  # no heartbeat is ever sent: a plain deadline
    assert "TimeoutSeconds" not in task
    assert task["Parameters"]["MessageBody"]["answerSeconds"] == WAIT
    assert task["Catch"] == [
        {
            "ErrorEquals": ["States.HeartbeatTimeout", "States.Timeout"],
            "ResultPath": None,
            "Next": "Late 0 deployment",
        }
    ]
    assert states(definition)["Late 0 deployment"] == {
        "Type": "Task",
        "Resource": DISPATCH_RESOURCE,
        "Parameters": {
            "QueueUrl": CONTROL,
            "MessageBody": {
                "kind": "late",
                "taskToken.$": "$$.Task.Token",
                "execution.$": "$$.Execution.Id",
                "run.$": "$.run",
                "index": 0,
                "task": "deployment",
            },
        },
        "ResultPath": "$.last",
        "Retry": SEND_RETRY,
        "Next": "Check 0 deployment",
    }


def test_a_late_task_goes_on_with_the_result_the_control_plane_hands_in() -> None:
    definition = compile_waiting({"name": "deployment"}, {"name": "test"})
    passed = {"result": "pass", "status": "succeeded"}

    assert walk(definition, [{"timeout": True}, passed, passed]) == [
        "Task 0 deployment",
        "Late 0 deployment",
        "Check 0 deployment",
        "Task 1 test",
        "Check 1 test",
        FINISH,
    ]
    assert walk(definition, [{"timeout": True}, {"result": "fail"}]) == [
        "Task 0 deployment",
        "Late 0 deployment",
        "Check 0 deployment",
        FINISH,
    ]


def test_the_rest_of_a_tasks_own_timeout_bounds_the_wait_after_the_deadline() -> None:
    definition = compile_waiting(
        {"name": "approval", "properties": {"timeout": "24h", "onTimeout": "pass"}},
        {"name": "deployment"},
    )
    task, late = states(definition)["Task 0 approval"], states(definition)["Late 0 approval"]

    assert (task["HeartbeatSeconds"], task["TimeoutSeconds"]) == (WAIT, 86400)
    assert late["TimeoutSeconds"] == 86400 - WAIT
    assert late["Catch"] == [
        {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": "Timeout 0 approval"}
    ]
    assert walk(definition, [{"timeout": True}, {"timeout": True}, {"result": "pass"}]) == [
        "Task 0 approval",
        "Late 0 approval",
        "Timeout 0 approval",
        "Timed out 0 approval",
        "Task 1 deployment",
        "Check 1 deployment",
        FINISH,
    ]


def test_a_timeout_no_longer_than_the_deadline_comes_first_and_alone() -> None:
    definition = compile_waiting({"name": "test", "properties": {"timeout": "10m"}})
    task = states(definition)["Task 0 test"]

    assert "HeartbeatSeconds" not in task  # Step Functions wants it shorter than the timeout
    assert task["TimeoutSeconds"] == 600
    assert task["Parameters"]["MessageBody"]["answerSeconds"] == 0
    assert task["Catch"] == [
        {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": "Timeout 0 test"}
    ]
    assert "Late 0 test" not in states(definition)


def test_every_state_of_a_machine_with_deadlines_is_reachable() -> None:
    definition = compile_waiting(
        {"name": "a", "triggeredAfter": "5s", "properties": {"timeout": "1h"}},
        {"name": "b", "properties": {"timeout": "5m", "onTimeout": "pass"}},
        {"name": "c"},
    )
    seen, todo = set(), [definition["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += successors(states(definition)[name])

    assert seen == set(states(definition))
    assert {"Late 0 a", "Late 2 c"} <= seen
    assert "Late 1 b" not in seen  # its own timeout (5m) comes before the deadline (10m)


def test_machines_compiled_without_a_deadline_keep_the_shape_of_before() -> None:
    definition = compile_sequence(
        sequence({"name": "deployment"}), dispatch_queue_url=DISPATCH, control_queue_url=CONTROL
    )
    task = states(definition)["Task 0 deployment"]

    assert "HeartbeatSeconds" not in task
    assert "answerSeconds" not in task["Parameters"]["MessageBody"]  # a delayed message then
