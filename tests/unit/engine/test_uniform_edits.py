"""The `task+=service` grammar on a uniform's document: additions, removals, exact sets, per
stage, and every refusal naming its fix."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chalicelib.engine.uniform_edits import edit_uniform, parse_edit
from chalicelib.errors import InvalidInput

TASKS = {
    "dev": {"deployment", "tests", "release"},
    "hardening": {"deployment", "tests", "release"},
    "prod": {"approval", "deployment", "release"},
}
TESTS = "sh.keptn.event.tests.triggered"


def document() -> dict[str, Any]:
    return {
        "version": "0.2.0",
        "kind": "Uniform",
        "metadata": {"name": "shop"},
        "spec": {
            "services": [
                {"name": "junit", "image": "ghcr.io/acme/junit:1", "events": [{"name": TESTS}]},
                {"name": "selenium", "image": "ghcr.io/acme/selenium:4"},
                {
                    "name": "helm",
                    "image": "ghcr.io/acme/helm:3",
                    "events": [
                        {
                            "name": "sh.keptn.event.deployment.triggered",
                            "selector": {"matchLabels": {"team": "payments"}},
                        }
                    ],
                },
            ]
        },
    }


def events_of(doc: dict[str, Any], service: str) -> list[dict[str, Any]]:
    found = next(s for s in doc["spec"]["services"] if s["name"] == service)
    events: list[dict[str, Any]] = found.get("events", [])
    return events


def stage_in(*stages: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": "stage", "operator": "In", "values": list(stages)}]}


def stage_not_in(*stages: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": "stage", "operator": "NotIn", "values": list(stages)}]}


def test_the_seeds_edit_adds_a_service_to_a_task_in_one_stage() -> None:
    doc = document()

    changes = edit_uniform(doc, ["tests+=selenium"], TASKS, "hardening")

    assert events_of(doc, "selenium") == [{"name": TESTS, "selector": stage_in("hardening")}]
    assert events_of(doc, "junit") == [{"name": TESTS}]  # untouched
    assert changes == [f"selenium carries out {TESTS} in stage hardening"]


def test_adding_another_stage_widens_the_stage_list_and_no_stage_means_all() -> None:
    doc = document()
    edit_uniform(doc, ["tests+=selenium"], TASKS, "hardening")

    edit_uniform(doc, ["tests+=selenium"], TASKS, "dev")
    assert events_of(doc, "selenium") == [{"name": TESTS, "selector": stage_in("dev", "hardening")}]
    edit_uniform(doc, ["tests+=selenium"], TASKS, None)
    assert events_of(doc, "selenium") == [{"name": TESTS}]


def test_removing_one_stage_of_an_all_stages_subscription_excludes_it() -> None:
    doc = document()

    edit_uniform(doc, ["tests-=junit"], TASKS, "hardening")
    assert events_of(doc, "junit") == [{"name": TESTS, "selector": stage_not_in("hardening")}]
    edit_uniform(doc, ["tests+=junit"], TASKS, "hardening")
    assert events_of(doc, "junit") == [{"name": TESTS}]
    edit_uniform(doc, ["tests-=junit"], TASKS, None)
    assert events_of(doc, "junit") == []


def test_set_makes_exactly_these_services_carry_out_the_task_in_the_stage() -> None:
    doc = document()

    edit_uniform(doc, ["tests=selenium"], TASKS, "hardening")

    assert events_of(doc, "selenium") == [{"name": TESTS, "selector": stage_in("hardening")}]
    assert events_of(doc, "junit") == [{"name": TESTS, "selector": stage_not_in("hardening")}]


def test_several_services_and_edits_apply_in_order() -> None:
    doc = document()

    edit_uniform(doc, ["release+=junit,selenium", "release-=junit"], TASKS, "prod")

    assert events_of(doc, "selenium")[-1] == {
        "name": "sh.keptn.event.release.triggered",
        "selector": stage_in("prod"),
    }
    assert [e["name"] for e in events_of(doc, "junit")] == [TESTS]


@pytest.mark.parametrize(
    ("edits", "stage", "message"),
    [
        (["tests+=cypress"], None, "the uniform has no service 'cypress' (it has: junit, "),
        (["approval+=junit"], "dev", "task 'approval' is in no sequence of stage 'dev'"),
        (["tests+=junit"], "qa", "stage 'qa' is not in the shipyard; its stages are: dev"),
        (["tests += junit"], None, "edit 'tests += junit' is not understood: write <task>+="),
        (["tests+=junit,junit"], None, "name each service once"),
        (["tests-=selenium"], None, f"service 'selenium' does not receive {TESTS}"),
        (
            ["deployment+=helm"],
            "dev",
            "service 'helm' receives sh.keptn.event.deployment.triggered with a selector that "
            "says more than its stages",
        ),
        ([], None, "give at least one edit"),
    ],
)
def test_refusals_name_the_fix(edits: list[str], stage: str | None, message: str) -> None:
    doc = document()
    before = copy.deepcopy(doc)

    with pytest.raises(InvalidInput) as refused:
        edit_uniform(doc, edits, TASKS, stage)

    assert message in refused.value.message
    if edits and "+=" in edits[0] and "cypress" in edits[0]:
        assert "add it with its executor first" in refused.value.message
    assert doc == before or not edits


def test_a_removal_in_a_stage_the_service_does_not_serve_is_refused() -> None:
    doc = document()
    edit_uniform(doc, ["tests+=selenium"], TASKS, "hardening")

    with pytest.raises(InvalidInput, match=r"does not receive .* in stage 'dev'"):
        edit_uniform(doc, ["tests-=selenium"], TASKS, "dev")


def test_parse_edit() -> None:
    assert parse_edit("tests+=selenium,junit").services == ("selenium", "junit")
    assert parse_edit("release=argo").op == "="
    assert parse_edit(" deployment-=helm ").task == "deployment"
