"""Payload propagation (reference 2.5): Keptn's merge, its quirks and our numeric deviation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chalicelib.domain.runs import CompletedTask
from chalicelib.engine.payload import (
    merge,
    merge_finished,
    next_stage_data,
    task_trigger_data,
)


def done(name: str, result: str, status: str, data: dict[str, Any]) -> CompletedTask:
    """A completed task of the run (its id plays no part in the payload)."""
    return CompletedTask(
        name=name, triggered_id=f"t-{name}", result=result, status=status, data=data
    )


IMAGE = "docker.io/keptnexamples/carts:0.13.3"
SCOPE = ("sockshop", "dev", "carts")

# Reference 2.6 (a): the data of `sh.keptn.event.dev.delivery.triggered`.
DELIVERY_TRIGGERED: dict[str, Any] = {
    "project": "sockshop",
    "stage": "dev",
    "service": "carts",
    "labels": {"buildId": "1.4.2-rc1"},
    "configurationChange": {"values": {"image": IMAGE}},
}

# Reference 2.6 (c): the data of the helm-service's `deployment.finished`.
DEPLOYMENT_FINISHED: dict[str, Any] = {
    "project": "sockshop",
    "stage": "dev",
    "service": "carts",
    "status": "succeeded",
    "result": "pass",
    "message": "Successfully deployed",
    "deployment": {
        "deploymentstrategy": "direct",
        "deploymentURIsLocal": ["http://carts.sockshop-dev:80"],
        "deploymentURIsPublic": ["http://carts.sockshop-dev.example.com"],
        "deploymentNames": ["direct"],
        "gitCommit": "8d3c0f7e2b1a",
    },
}
DEPLOYED = done("deployment", "pass", "succeeded", DEPLOYMENT_FINISHED)


# --- merge: one rule at a time -------------------------------------------------------------


def test_maps_merge_recursively_and_keys_only_in_the_newer_map_are_added() -> None:
    older = {"a": {"x": 1, "y": "old"}, "b": "kept"}
    newer = {"a": {"y": "new", "z": True}, "c": 3}
    assert merge(older, newer) == {"a": {"x": 1, "y": "new", "z": True}, "b": "kept", "c": 3}


def test_the_newer_string_wins() -> None:
    assert merge("old", "new") == "new"
    assert merge({"message": "deploying"}, {"message": "deployed"}) == {"message": "deployed"}


def test_lists_are_concatenated_newer_items_first_then_older() -> None:
    assert merge([1, 2], [3]) == [3, 1, 2]
    trigger = {"deployment": {"deploymentURIsPublic": ["http://from-trigger"]}}
    finished = {"deployment": {"deploymentURIsPublic": ["http://from-finished"]}}
    assert merge(trigger, finished) == {
        "deployment": {"deploymentURIsPublic": ["http://from-finished", "http://from-trigger"]}
    }


def test_a_missing_older_value_takes_the_newer_one() -> None:
    assert merge(None, {"a": [1]}) == {"a": [1]}
    assert merge({"a": None}, {"a": "set"}) == {"a": "set"}


def test_a_null_newer_value_keeps_the_older_one() -> None:
    assert merge("kept", None) == "kept"
    assert merge({"a": {"b": 1}}, {"a": None}) == {"a": {"b": 1}}


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("text", {"x": 1}),
        ({"x": 1}, "text"),
        ([1], "text"),
        ("text", [1]),
        (1, "2"),
        ("2", 1),
        (True, 1),
        (0, False),
        ({"x": 1}, [1]),
    ],
)
def test_on_a_type_mismatch_the_newer_value_wins(older: Any, newer: Any) -> None:
    assert merge(older, newer) == newer
    assert type(merge(older, newer)) is type(newer)


def test_deviation_the_newer_number_wins() -> None:
    # Keptn keeps the older number; we take the newer one (docs/keptn-compatibility.md).
    assert merge(0, 1) == 1
    assert merge(1.5, 2) == 2
    assert merge(7, 0.25) == 0.25


def test_deviation_the_newer_bool_wins() -> None:
    assert merge(True, False) is False
    assert merge(False, True) is True


def test_remediation_action_index_advances_0_1_2_across_three_merges() -> None:
    problem = {"problem": {"problemTitle": "Response time degradation", "rootCause": ""}}
    payload = merge(problem, {"get-action": {"actionIndex": 0}})
    seen = [payload["get-action"]["actionIndex"]]
    for finished in ({"get-action": {"actionIndex": 1}}, {"get-action": {"actionIndex": 2}}):
        payload = merge(payload, finished)
        seen.append(payload["get-action"]["actionIndex"])
    assert seen == [0, 1, 2]
    assert payload["problem"] == problem["problem"]


def test_merge_never_changes_its_arguments_nor_shares_their_parts() -> None:
    older = {"a": {"list": [1]}, "only_old": {"k": "v"}}
    newer = {"a": {"list": [2]}, "only_new": {"k": "v"}}
    before = (copy.deepcopy(older), copy.deepcopy(newer))
    merged = merge(older, newer)
    merged["a"]["list"].append(99)
    merged["only_old"]["k"] = "changed"
    merged["only_new"]["k"] = "changed"
    assert (older, newer) == before


# --- merge_finished --------------------------------------------------------------------------


def test_finished_data_of_several_executors_merge_in_arrival_order() -> None:
    first = {"result": "pass", "deployment": {"deploymentURIsLocal": ["http://a"]}}
    second = {"result": "warning", "deployment": {"deploymentURIsLocal": ["http://b"]}}
    assert merge_finished([first, second]) == {
        "result": "warning",
        "deployment": {"deploymentURIsLocal": ["http://b", "http://a"]},
    }


def test_no_finished_data_merge_to_an_empty_map() -> None:
    assert merge_finished([]) == {}


# --- task_trigger_data (steps 1-6) ---------------------------------------------------------


def test_first_task_gets_the_input_and_its_properties_under_its_name() -> None:
    # Reference 2.6 (b), the deployment.triggered built from (a).
    data = task_trigger_data(
        DELIVERY_TRIGGERED, SCOPE, [], "deployment", {"deploymentstrategy": "direct"}
    )
    assert data == {
        "project": "sockshop",
        "stage": "dev",
        "service": "carts",
        "labels": {"buildId": "1.4.2-rc1"},
        "configurationChange": {"values": {"image": IMAGE}},
        "deployment": {"deploymentstrategy": "direct"},
    }


def test_next_task_gets_the_finished_data_the_last_result_and_a_cleared_message() -> None:
    data = task_trigger_data(
        DELIVERY_TRIGGERED, SCOPE, [DEPLOYED], "test", {"teststrategy": "functional"}
    )
    assert data == {
        "project": "sockshop",
        "stage": "dev",
        "service": "carts",
        "labels": {"buildId": "1.4.2-rc1"},
        "configurationChange": {"values": {"image": IMAGE}},
        "status": "succeeded",
        "result": "pass",
        "message": "",
        "deployment": {
            "deploymentstrategy": "direct",
            "deploymentURIsLocal": ["http://carts.sockshop-dev:80"],
            "deploymentURIsPublic": ["http://carts.sockshop-dev.example.com"],
            "deploymentNames": ["direct"],
            "gitCommit": "8d3c0f7e2b1a",
        },
        "test": {"teststrategy": "functional"},
    }


def test_message_is_only_cleared_when_present() -> None:
    assert "message" not in task_trigger_data(DELIVERY_TRIGGERED, SCOPE, [], "test", {})
    with_message = {**DELIVERY_TRIGGERED, "message": "from the trigger"}
    assert task_trigger_data(with_message, SCOPE, [], "test", {})["message"] == ""


def test_scope_is_forced_to_the_execution() -> None:
    data = task_trigger_data(
        {"stage": "elsewhere", "labels": {}}, ("sockshop", "dev", "carts"), [], "test", {}
    )
    assert (data["project"], data["stage"], data["service"]) == ("sockshop", "dev", "carts")


def test_result_and_status_are_the_aggregated_ones_of_the_last_completed_task() -> None:
    # The QUIRK of 1.6: an earlier warning is forgotten once a later task passes.
    evaluated = done("evaluation", "warning", "succeeded", {"result": "warning"})
    released = done("release", "pass", "succeeded", {"result": "pass"})
    data = task_trigger_data(DELIVERY_TRIGGERED, SCOPE, [evaluated, released], "next", {})
    assert (data["result"], data["status"]) == ("pass", "succeeded")
    # The aggregated values override whatever the merged .finished data said.
    unknown = done("test", "fail", "unknown", {"result": "pass", "status": "odd"})
    data = task_trigger_data(DELIVERY_TRIGGERED, SCOPE, [unknown], "next", {})
    assert (data["result"], data["status"]) == ("fail", "unknown")


def test_properties_merge_into_an_existing_key_of_the_task_name() -> None:
    data = task_trigger_data(
        DELIVERY_TRIGGERED,
        SCOPE,
        [DEPLOYED],
        "deployment",
        {"deploymentstrategy": "blue_green_service"},
    )
    assert data["deployment"]["deploymentstrategy"] == "blue_green_service"
    assert data["deployment"]["deploymentNames"] == ["direct"]


def test_a_task_without_properties_adds_no_key() -> None:
    assert "evaluation" not in task_trigger_data(DELIVERY_TRIGGERED, SCOPE, [], "evaluation", {})


def test_building_a_payload_never_changes_its_inputs() -> None:
    sequence_input = copy.deepcopy(DELIVERY_TRIGGERED)
    finished = copy.deepcopy(DEPLOYMENT_FINISHED)
    properties = {"teststrategy": "functional", "nested": {"k": "v"}}
    before = copy.deepcopy((sequence_input, finished, properties))
    completed = [done("deployment", "pass", "succeeded", finished)]
    data = task_trigger_data(sequence_input, SCOPE, completed, "test", properties)
    data["labels"]["buildId"] = "changed"
    data["deployment"]["deploymentNames"].append("changed")
    data["test"]["nested"]["k"] = "changed"
    assert (sequence_input, finished, properties) == before


# --- next_stage_data (steps 1-4 and 6, stage replaced) ----------------------------------------


def test_the_next_stage_gets_the_accumulated_payload_with_its_stage() -> None:
    completed = [
        DEPLOYED,
        done(
            "test",
            "pass",
            "succeeded",
            {"result": "pass", "test": {"start": "10:03", "end": "10:08"}},
        ),
        done(
            "evaluation",
            "warning",
            "succeeded",
            {"result": "warning", "evaluation": {"result": "warning", "score": 80}},
        ),
        done("release", "pass", "succeeded", {"result": "pass", "message": "released"}),
    ]
    data = next_stage_data(DELIVERY_TRIGGERED, SCOPE, completed, "hardening")
    assert data == {
        "project": "sockshop",
        "stage": "hardening",
        "service": "carts",
        "labels": {"buildId": "1.4.2-rc1"},
        "configurationChange": {"values": {"image": IMAGE}},
        "status": "succeeded",
        "result": "pass",
        "message": "",
        "deployment": {
            "deploymentstrategy": "direct",
            "deploymentURIsLocal": ["http://carts.sockshop-dev:80"],
            "deploymentURIsPublic": ["http://carts.sockshop-dev.example.com"],
            "deploymentNames": ["direct"],
            "gitCommit": "8d3c0f7e2b1a",
        },
        "test": {"start": "10:03", "end": "10:08"},
        "evaluation": {"result": "warning", "score": 80},
    }


def test_a_failed_sequence_hands_its_failure_to_the_chained_sequence() -> None:
    failed = done("evaluation", "fail", "succeeded", {"result": "fail"})
    data = next_stage_data(DELIVERY_TRIGGERED, SCOPE, [failed], "dev")
    assert (data["stage"], data["result"], data["status"]) == ("dev", "fail", "succeeded")
    assert "message" not in data
