"""Shipyard sequence -> ASL: the states, their order and the execution contract they implement."""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any

import pytest

from chalicelib.domain.shipyard import Sequence, Shipyard, Task
from chalicelib.engine.asl import (
    DISPATCH_RESOURCE,
    FINISH,
    MAX_NAME,
    SEND_RESOURCE,
    SEND_RETRY,
    compile_project,
    compile_sequence,
    definition_json,
    state_machine_name,
)

DISPATCH = "https://sqs.us-east-1.amazonaws.com/123456789012/dispatch"
CONTROL = "https://sqs.us-east-1.amazonaws.com/123456789012/control"
SFN_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


def sequence(*tasks: dict[str, Any], name: str = "delivery") -> Sequence:
    return Sequence.model_validate({"name": name, "tasks": list(tasks)})


def compile_tasks(*tasks: dict[str, Any]) -> dict[str, Any]:
    return compile_sequence(
        sequence(*tasks), dispatch_queue_url=DISPATCH, control_queue_url=CONTROL
    )


def states(definition: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = definition["States"]
    return result


def successors(state: dict[str, Any]) -> list[str]:
    targets = [state.get("Next"), state.get("Default")]
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return [target for target in targets if target is not None]


def walk(definition: dict[str, Any], answers: list[dict[str, Any]]) -> list[str]:
    """The states a run visits when task i answers `answers[i]` (a timeout is {"timeout": True}).

    A small interpreter for the subset the compiler emits, so the tests read as behaviour.
    """
    data: dict[str, Any] = {"run": {}}
    visited: list[str] = []
    name: str | None = definition["StartAt"]
    answered = iter(answers)
    while name is not None:
        visited.append(name)
        state = states(definition)[name]
        if state["Type"] == "Task" and state["Resource"] == DISPATCH_RESOURCE:
            answer = next(answered)
            if answer.get("timeout"):
                name = state["Catch"][0]["Next"]
                continue
            data["last"] = answer
        elif state["Type"] == "Pass":
            data["last"] = state["Result"]
        elif state["Type"] == "Choice":
            hit = [choice for choice in state["Choices"] if holds(choice, data)]
            name = hit[0]["Next"] if hit else state["Default"]
            continue
        name = None if state.get("End") else state["Next"]
    return visited


def holds(rule: dict[str, Any], data: dict[str, Any]) -> bool:
    """A JSONPath choice rule, with Step Functions' short-circuit And/Or."""
    if "And" in rule:
        return all(holds(part, data) for part in rule["And"])
    if "Or" in rule:
        return any(holds(part, data) for part in rule["Or"])
    value: Any = data
    for key in rule["Variable"].removeprefix("$.").split("."):
        if not isinstance(value, dict) or key not in value:
            if "IsPresent" in rule:
                return rule["IsPresent"] is False
            raise AssertionError(f"the choice reads the missing field {rule['Variable']}")
        value = value[key]
    if "IsPresent" in rule:
        return rule["IsPresent"] is True
    if "IsString" in rule:
        return isinstance(value, str) is rule["IsString"]
    if not isinstance(value, str):
        raise AssertionError(f"StringEquals on the non-string {value!r}")
    return bool(value == rule["StringEquals"])


def test_a_plain_sequence_dispatches_each_task_then_finishes() -> None:
    definition = compile_tasks({"name": "deployment"}, {"name": "test"}, {"name": "release"})

    assert definition["StartAt"] == "Task 0 deployment"
    assert list(states(definition)) == [
        "Task 0 deployment",
        "Check 0 deployment",
        "Task 1 test",
        "Check 1 test",
        "Task 2 release",
        "Check 2 release",
        FINISH,
    ]
    assert walk(definition, [{"result": "pass", "status": "succeeded"}] * 3) == [
        "Task 0 deployment",
        "Check 0 deployment",
        "Task 1 test",
        "Check 1 test",
        "Task 2 release",
        "Check 2 release",
        FINISH,
    ]


def test_properties_travel_as_json_text_so_no_key_is_read_as_a_path() -> None:
    task = states(
        compile_tasks({"name": "deployment", "properties": {"strategy": "canary", "x.$": "$.y"}})
    )["Task 0 deployment"]

    carried = task["Parameters"]["MessageBody"]["properties"]
    assert json.loads(carried) == {"strategy": "canary", "x.$": "$.y"}


def test_the_dispatch_state_sends_the_contract_message_and_keeps_the_answer_in_last() -> None:
    task = states(compile_tasks({"name": "deployment"}, {"name": "test"}))["Task 1 test"]

    assert task == {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {
            "QueueUrl": DISPATCH,
            "MessageBody": {
                "kind": "dispatch",
                "taskToken.$": "$$.Task.Token",
                "execution.$": "$$.Execution.Id",
                "run.$": "$.run",
                "index": 1,
                "task": "test",
                "properties": "{}",
            },
        },
        "ResultPath": "$.last",
        "Retry": SEND_RETRY,
        "Next": "Check 1 test",
    }


def test_the_finish_step_reports_the_last_result_to_the_control_queue_and_ends() -> None:
    finish = states(compile_tasks({"name": "deployment"}))[FINISH]

    assert finish == {
        "Type": "Task",
        "Resource": SEND_RESOURCE,
        "Parameters": {
            "QueueUrl": CONTROL,
            "MessageBody": {
                "kind": "finished",
                "execution.$": "$$.Execution.Id",
                "run.$": "$.run",
                "last.$": "$.last",
            },
        },
        "ResultPath": None,
        "Retry": SEND_RETRY,
        "End": True,
    }


@pytest.mark.parametrize(
    ("answer", "stops"),
    [
        ({"result": "fail", "status": "succeeded"}, True),
        ({"result": "pass", "status": "errored"}, True),
        ({"result": "warning", "status": "errored"}, True),
        ({"result": "warning", "status": "succeeded"}, False),
        ({"result": "pass", "status": "succeeded"}, False),
        ({"result": "pass", "status": "aborted"}, False),
        ({"status": "succeeded"}, False),
        ({}, False),
        ({"result": 3, "status": None}, False),
    ],
)
def test_fail_or_errored_ends_the_sequence_anything_else_goes_on(
    answer: dict[str, Any], stops: bool
) -> None:
    definition = compile_tasks({"name": "test"}, {"name": "release"})

    visited = walk(definition, [answer, {"result": "pass", "status": "succeeded"}])

    assert ("Task 1 release" not in visited) is stops
    assert visited[-1] == FINISH


def test_every_comparison_is_guarded_so_a_missing_field_is_false_not_an_error() -> None:
    check = states(compile_tasks({"name": "test"}))["Check 0 test"]

    (rule,) = check["Choices"]
    for comparison in rule["Or"]:
        guard, is_string, equals = comparison["And"]
        assert guard == {"Variable": equals["Variable"], "IsPresent": True}
        assert is_string == {"Variable": equals["Variable"], "IsString": True}
    assert {c["And"][2]["Variable"]: c["And"][2]["StringEquals"] for c in rule["Or"]} == {
        "$.last.result": "fail",
        "$.last.status": "errored",
    }


@pytest.mark.parametrize(
    ("delay", "seconds"),
    [
        ("90s", 90),
        ("1h30m", 5400),
        ("500ms", 1),
        ("1ns", 1),
        ("1.5s", 2),
        ("1.1h", 3960),  # 3960.0000000000005 as a float: noise must not add a second
        ("2m", 120),
    ],
)
def test_triggered_after_is_a_wait_of_whole_seconds_rounded_up(delay: str, seconds: int) -> None:
    definition = compile_tasks({"name": "deployment"}, {"name": "test", "triggeredAfter": delay})

    assert states(definition)["Wait 1 test"] == {
        "Type": "Wait",
        "Seconds": seconds,
        "Next": "Task 1 test",
    }
    assert states(definition)["Check 0 deployment"]["Default"] == "Wait 1 test"


def test_a_delayed_first_task_starts_with_its_wait() -> None:
    definition = compile_tasks({"name": "evaluation", "triggeredAfter": "10m"})

    assert definition["StartAt"] == "Wait 0 evaluation"
    assert states(definition)["Wait 0 evaluation"]["Seconds"] == 600


def test_a_zero_delay_adds_no_wait() -> None:
    definition = compile_tasks({"name": "test", "triggeredAfter": "0s"})

    assert [state["Type"] for state in states(definition).values()] == ["Task", "Choice", "Task"]


def test_a_timeout_is_caught_reported_and_fails_the_sequence_by_default() -> None:
    definition = compile_tasks(
        {"name": "approval", "properties": {"timeout": "24h"}}, {"name": "deployment"}
    )
    task = states(definition)["Task 0 approval"]

    assert task["TimeoutSeconds"] == 86400
    assert task["Catch"] == [
        {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": "Timeout 0 approval"}
    ]
    assert states(definition)["Timeout 0 approval"] == {
        "Type": "Task",
        "Resource": SEND_RESOURCE,
        "Parameters": {
            "QueueUrl": CONTROL,
            "MessageBody": {
                "kind": "timeout",
                "execution.$": "$$.Execution.Id",
                "run.$": "$.run",
                "index": 0,
                "task": "approval",
                "timeoutSeconds": 86400,
                "onTimeout": "fail",
            },
        },
        "ResultPath": None,
        "Retry": SEND_RETRY,
        "Next": "Timed out 0 approval",
    }
    assert states(definition)["Timed out 0 approval"] == {
        "Type": "Pass",
        "Result": {"result": "fail", "status": "errored", "timedOut": True},
        "ResultPath": "$.last",
        "Next": FINISH,
    }
    assert walk(definition, [{"timeout": True}]) == [
        "Task 0 approval",
        "Timeout 0 approval",
        "Timed out 0 approval",
        FINISH,
    ]


@pytest.mark.parametrize("on_timeout", ["fail", None])
def test_on_timeout_fail_or_absent_stops_the_sequence(on_timeout: str | None) -> None:
    properties: dict[str, Any] = {"timeout": "30m"}
    if on_timeout is not None:
        properties["onTimeout"] = on_timeout
    definition = compile_tasks({"name": "test", "properties": properties}, {"name": "release"})

    assert "Task 1 release" not in walk(definition, [{"timeout": True}])
    assert states(definition)["Task 0 test"]["TimeoutSeconds"] == 1800


def test_on_timeout_pass_continues_with_the_next_task() -> None:
    definition = compile_tasks(
        {"name": "test", "properties": {"timeout": "30m", "onTimeout": "pass"}},
        {"name": "release", "triggeredAfter": "1m"},
    )

    assert states(definition)["Timed out 0 test"]["Result"] == {
        "result": "pass",
        "status": "succeeded",
        "timedOut": True,
    }
    assert walk(definition, [{"timeout": True}, {"result": "pass", "status": "succeeded"}]) == [
        "Task 0 test",
        "Timeout 0 test",
        "Timed out 0 test",
        "Wait 1 release",
        "Task 1 release",
        "Check 1 release",
        FINISH,
    ]


def test_on_timeout_pass_on_the_last_task_goes_to_finish() -> None:
    definition = compile_tasks(
        {"name": "test", "properties": {"timeout": "5m", "onTimeout": "pass"}}
    )

    assert states(definition)["Timed out 0 test"]["Next"] == FINISH


def test_tasks_without_timeout_have_no_timeout_states() -> None:
    definition = compile_tasks({"name": "test", "properties": {"onTimeout": "pass"}})

    assert "TimeoutSeconds" not in states(definition)["Task 0 test"]
    assert "Catch" not in states(definition)["Task 0 test"]
    assert not [name for name in states(definition) if name.startswith("Time")]


@pytest.mark.parametrize(
    ("timeout", "why"),
    [
        ("soon", "not a Go duration"),
        ("30", "every number needs a unit"),
        (30, "must be a Go duration"),
        (True, "must be a Go duration"),
        ("0s", "longer than zero"),
        ("-5m", "longer than zero"),
        ("9000h", "365 days"),
    ],
)
def test_an_invalid_timeout_names_the_task_and_the_property(timeout: object, why: str) -> None:
    with pytest.raises(ValueError, match=r"properties\.timeout") as raised:
        compile_tasks({"name": "deployment"}, {"name": "test", "properties": {"timeout": timeout}})

    assert "task 'test' (tasks[1])" in str(raised.value)
    assert "sequence 'delivery'" in str(raised.value)
    assert why in str(raised.value)


@pytest.mark.parametrize("on_timeout", ["continue", "Pass", "failed", True, None])
def test_an_invalid_on_timeout_names_the_task_and_the_property(on_timeout: object) -> None:
    with pytest.raises(ValueError, match=r"task 'test' \(tasks\[0\]\): properties.onTimeout"):
        compile_tasks({"name": "test", "properties": {"timeout": "1m", "onTimeout": on_timeout}})


def test_a_delay_longer_than_an_execution_can_run_is_refused() -> None:
    with pytest.raises(ValueError, match=r"task 'test' \(tasks\[0\]\): triggeredAfter '9000h'"):
        compile_tasks({"name": "test", "triggeredAfter": "9000h"})


@pytest.mark.parametrize("delay", ["-1s", "soon"])
def test_a_delay_the_shipyard_check_was_skipped_for_is_refused_with_the_task(delay: str) -> None:
    # model_construct skips validation, as a caller holding an unchecked model would.
    task = Task.model_construct(name="test", triggered_after=delay, properties={})
    broken = Sequence.model_construct(name="delivery", triggered_on=[], tasks=[task])

    with pytest.raises(ValueError, match=r"task 'test' \(tasks\[0\]\): triggeredAfter"):
        compile_sequence(broken, dispatch_queue_url=DISPATCH, control_queue_url=CONTROL)


def test_a_repeated_task_gets_its_own_states_and_index() -> None:
    definition = compile_tasks({"name": "test"}, {"name": "test", "triggeredAfter": "1s"})
    dispatches = [
        state["Parameters"]["MessageBody"]
        for state in states(definition).values()
        if state.get("Resource") == DISPATCH_RESOURCE
    ]

    assert [(body["index"], body["task"]) for body in dispatches] == [(0, "test"), (1, "test")]
    assert walk(definition, [{"result": "pass"}, {"result": "pass"}]) == [
        "Task 0 test",
        "Check 0 test",
        "Wait 1 test",
        "Task 1 test",
        "Check 1 test",
        FINISH,
    ]


def test_long_task_names_are_cut_to_80_characters_and_stay_unique() -> None:
    long = "x" * 90
    definition = compile_tasks(
        {"name": long + "a", "properties": {"timeout": "1m"}, "triggeredAfter": "1s"},
        {"name": long + "b", "properties": {"timeout": "1m"}, "triggeredAfter": "1s"},
    )

    names = list(states(definition))
    assert len(names) == 11
    assert all(len(name) <= 80 for name in names)
    # The full task name still travels in the message: only the state name is shortened.
    assert states(definition)[names[1]]["Parameters"]["MessageBody"]["task"] == long + "a"
    for state in states(definition).values():
        assert set(successors(state)) <= set(names)


def test_every_state_is_reachable_and_every_transition_exists() -> None:
    definition = compile_tasks(
        {"name": "a", "triggeredAfter": "5s", "properties": {"timeout": "1m"}},
        {"name": "b", "properties": {"timeout": "1m", "onTimeout": "pass"}},
        {"name": "c"},
    )
    seen, todo = set(), [definition["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += successors(states(definition)[name])

    assert seen == set(states(definition))
    assert {state["Type"] for state in states(definition).values()} == {
        "Wait",
        "Task",
        "Pass",
        "Choice",
    }
    assert [name for name, state in states(definition).items() if state.get("End")] == [FINISH]


def test_the_definition_uses_jsonpath_only() -> None:
    definition = compile_tasks({"name": "a", "triggeredAfter": "5s"})
    text = definition_json(definition)

    assert definition["QueryLanguage"] == "JSONPath"
    assert "{%" not in text
    assert '"Map"' not in text
    assert '"Parallel"' not in text


def test_an_empty_sequence_is_refused() -> None:
    empty = Sequence.model_construct(name="delivery", triggered_on=[], tasks=[])

    with pytest.raises(ValueError, match="sequence 'delivery' does not contain any tasks"):
        compile_sequence(empty, dispatch_queue_url=DISPATCH, control_queue_url=CONTROL)


def test_the_same_sequence_compiles_to_the_same_bytes() -> None:
    tasks: list[dict[str, Any]] = [
        {"name": "deployment", "properties": {"timeout": "10m", "onTimeout": "pass", "x": 1}},
        {"name": "evaluation", "triggeredAfter": "2m"},
    ]
    first = definition_json(compile_tasks(*tasks))
    second = definition_json(compile_tasks(*copy.deepcopy(tasks)))

    assert first == second
    assert first == json.dumps(json.loads(first), sort_keys=True, separators=(",", ":"))


SHIPYARD = {
    "apiVersion": "spec.keptn.sh/0.2.3",
    "kind": "Shipyard",
    "metadata": {"name": "shipyard-shop"},
    "spec": {
        "stages": [
            {"name": "dev", "sequences": [{"name": "delivery", "tasks": [{"name": "deployment"}]}]},
            {"name": "hardening", "sequences": []},
            {
                "name": "production",
                "sequences": [
                    {
                        "name": "evaluation",
                        "tasks": [{"name": "evaluation"}, {"name": "notify"}],
                    }
                ],
            },
        ]
    },
}


def test_a_project_compiles_every_sequence_plus_the_built_in_evaluation() -> None:
    shipyard = Shipyard.model_validate(SHIPYARD)

    definitions = compile_project(shipyard, dispatch_queue_url=DISPATCH, control_queue_url=CONTROL)

    assert list(definitions) == [
        ("dev", "delivery"),
        ("dev", "evaluation"),
        ("hardening", "evaluation"),
        ("production", "evaluation"),
    ]
    builtin = definitions[("hardening", "evaluation")]
    assert list(states(builtin)) == ["Task 0 evaluation", "Check 0 evaluation", FINISH]
    # A stage's own `evaluation` sequence replaces the built-in one.
    assert "Task 1 notify" in states(definitions[("production", "evaluation")])


def test_a_project_uses_the_queue_urls_it_is_given() -> None:
    shipyard = Shipyard.model_validate(SHIPYARD)

    definitions = compile_project(shipyard, dispatch_queue_url="D", control_queue_url="C")

    task = states(definitions[("dev", "delivery")])["Task 0 deployment"]
    assert task["Parameters"]["QueueUrl"] == "D"
    assert states(definitions[("dev", "delivery")])[FINISH]["Parameters"]["QueueUrl"] == "C"


def test_state_machine_names_are_readable_when_plain() -> None:
    assert state_machine_name("dev", "shop", "prod", "delivery") == "qm-dev-shop-prod-delivery"


@pytest.mark.parametrize(
    "parts",
    [
        ("dev", "shop", "prod-eu", "delivery"),
        ("dev", "shop", "prod", "sequence.with/odd chars"),
        ("dev", "shöp", "prod", "delivery"),
        ("dev", "p" * 200, "prod", "delivery"),
        ("d" * 100, "s" * 100, "x" * 100, "y" * 100),
        ("", "shop", "prod", "delivery"),
        ("dev", "shop", "prod", "-" * 90),
    ],
)
def test_state_machine_names_are_always_valid(parts: tuple[str, str, str, str]) -> None:
    name = state_machine_name(*parts)

    assert SFN_NAME.fullmatch(name), name
    assert re.search(r"_[0-9a-f]{10}$", name), "a changed name carries a hash"
    assert name == state_machine_name(*parts)


def test_long_names_keep_a_readable_start() -> None:
    name = state_machine_name("dev", "payments", "production-europe-west", "delivery" * 20)

    assert name.startswith("qm-dev-payments-production-europe-west-deliverydelivery")
    assert len(name) == 80


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("dev", "a-b", "c", "d"), ("dev", "a", "b-c", "d")),
        (("dev", "shop", "prod", "a.b"), ("dev", "shop", "prod", "a/b")),
        (("dev", "shop", "prod", "a_b"), ("dev", "shop", "prod", "a.b")),
        (("dev", "shop", "prod", "x" * 100 + "1"), ("dev", "shop", "prod", "x" * 100 + "2")),
        (("dev", "shop", "prod", "delivery"), ("Dev", "shop", "prod", "delivery")),
    ],
)
def test_different_inputs_that_look_alike_get_different_names(
    first: tuple[str, str, str, str], second: tuple[str, str, str, str]
) -> None:
    assert state_machine_name(*first) != state_machine_name(*second)


def test_no_two_of_many_similar_inputs_share_a_name() -> None:
    pieces = ["a", "b", "a-b", "b-a", "a-", "-a", "a_b", "a.b", "ab", ""]
    combos = list(itertools.product(pieces, repeat=3))

    names = {state_machine_name("dev", a, b, c) for a, b, c in combos}

    assert len(names) == len(combos)


def test_each_version_of_a_sequence_gets_a_machine_of_its_own() -> None:
    one = compile_tasks({"name": "deployment"})
    two = compile_tasks({"name": "deployment"}, {"name": "test"})
    first = state_machine_name("dev", "shop", "prod", "delivery", one)
    assert first.startswith("qm-dev-shop-prod-delivery_v")
    assert first == state_machine_name("dev", "shop", "prod", "delivery", dict(one))
    assert first != state_machine_name("dev", "shop", "prod", "delivery", two)
    long_name = state_machine_name("dev", "payments", "production-eu", "delivery" * 20, one)
    assert len(long_name) <= MAX_NAME
    assert long_name != state_machine_name("dev", "payments", "production-eu", "delivery" * 20)
