"""The sequence-state view (reference 3.2), replayed from realistic event histories.

The main history is one delivery of Example A (reference 1.9) through dev, hardening and
production: dev passes, hardening's quality gate gives a warning, production's approval waits
for a human who approves.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.events import KeptnEvent
from chalicelib.engine.sequence_view import SequenceStateName, build_views

CONTEXT = "2a0e4c1e-7a88-4a0b-8f2e-0b8f6f6b1c2d"
OTHER_CONTEXT = "7c3f1d2e-1111-4a0b-8f2e-0b8f6f6b1c2d"
IMAGE = "docker.io/keptnexamples/carts:0.13.3"
CONTROLLER = "shipyard-controller"
CHANGE = {"values": {"image": IMAGE}}
LABELS = {"buildId": "1.4.2-rc1"}


def at(minute: int, second: int = 0) -> str:
    return f"2023-05-02T10:{minute:02d}:{second:02d}.000Z"


def event(
    kind: str,
    event_id: str,
    time: str,
    stage: str,
    *,
    triggeredid: str | None = None,
    source: str = CONTROLLER,
    context: str = CONTEXT,
    **data: Any,
) -> KeptnEvent:
    """`sh.keptn.event.<kind>` in project sockshop, service carts."""
    return KeptnEvent(
        id=event_id,
        source=source,
        type=f"sh.keptn.event.{kind}",
        time=time,
        shkeptncontext=context,
        triggeredid=triggeredid,
        data={"project": "sockshop", "stage": stage, "service": "carts", **data},
    )


def task(
    name: str, prefix: str, stage: str, minute: int, source: str, **finished: Any
) -> list[KeptnEvent]:
    """A task's `.triggered`, `.started` and `.finished` (ids `<prefix>`, `-s`, `-f`)."""
    return [
        event(f"{name}.triggered", prefix, at(minute), stage, labels=LABELS),
        event(
            f"{name}.started",
            f"{prefix}-s",
            at(minute, 1),
            stage,
            triggeredid=prefix,
            source=source,
            status="succeeded",
        ),
        event(
            f"{name}.finished",
            f"{prefix}-f",
            at(minute, 30),
            stage,
            triggeredid=prefix,
            source=source,
            **finished,
        ),
    ]


PASSED = {"status": "succeeded", "result": "pass"}


def deployment(prefix: str, stage: str, minute: int) -> list[KeptnEvent]:
    triggered, started, finished = task(
        "deployment", prefix, stage, minute, "helm-service", **PASSED
    )
    triggered.data["configurationChange"] = CHANGE
    return [triggered, started, finished]


def evaluation(prefix: str, stage: str, minute: int, result: str, score: int) -> list[KeptnEvent]:
    triggered, started, finished = task(
        "evaluation",
        prefix,
        stage,
        minute,
        "lighthouse-service",
        status="succeeded",
        result=result,
        evaluation={"result": result, "score": score, "timeStart": at(3), "timeEnd": at(8)},
    )
    # The lighthouse's own get-sli round trip, stored in the same context.
    get_sli = [
        event("get-sli.triggered", f"{prefix}-sli", at(minute, 2), stage, source="lighthouse"),
        event(
            "get-sli.finished",
            f"{prefix}-sli-f",
            at(minute, 20),
            stage,
            triggeredid=f"{prefix}-sli",
            source="prometheus-service",
            **PASSED,
        ),
    ]
    return [triggered, started, *get_sli, finished]


DEV = [
    event(
        "dev.delivery.triggered",
        "seq-dev",
        at(0),
        "dev",
        source="https://github.com/keptn/keptn/cli#configuration-change",
        labels=LABELS,
        configurationChange=CHANGE,
    ),
    *deployment("dev-deploy", "dev", 1),
    *task("test", "dev-test", "dev", 3, "jmeter-service", **PASSED),
    *evaluation("dev-eval", "dev", 9, "pass", 95),
    *task("release", "dev-release", "dev", 11, "helm-service", **PASSED),
    event("dev.delivery.finished", "seq-dev-f", at(12), "dev", triggeredid="seq-dev", **PASSED),
]
HARDENING = [
    event(
        "hardening.delivery.triggered",
        "seq-hardening",
        at(12, 1),
        "hardening",
        labels=LABELS,
        configurationChange=CHANGE,
        **PASSED,
    ),
    *deployment("hd-deploy", "hardening", 13),
    *task("test", "hd-test", "hardening", 15, "jmeter-service", **PASSED),
    *evaluation("hd-eval", "hardening", 21, "warning", 80),
    event(
        "hardening.delivery.finished",
        "seq-hardening-f",
        at(22),
        "hardening",
        triggeredid="seq-hardening",
        status="succeeded",
        result="warning",
    ),
]
APPROVAL_WAITING = [
    event(
        "production.delivery.triggered",
        "seq-prod",
        at(22, 1),
        "production",
        labels=LABELS,
        configurationChange=CHANGE,
        status="succeeded",
        result="warning",
    ),
    event(
        "approval.triggered",
        "prod-approval",
        at(22, 2),
        "production",
        result="warning",
        approval={"pass": "automatic", "warning": "manual"},
    ),
    event(
        "approval.started",
        "prod-approval-s",
        at(22, 3),
        "production",
        triggeredid="prod-approval",
        source="approval-service",
        status="succeeded",
        message="Approval strategy for result 'warning': manual",
    ),
]
APPROVED_AND_RELEASED = [
    event(
        "approval.finished",
        "prod-approval-f",
        at(40),
        "production",
        triggeredid="prod-approval",
        source="https://github.com/keptn/keptn/cli",
        **PASSED,
    ),
    *deployment("prod-deploy", "production", 41),
    *task("release", "prod-release", "production", 45, "helm-service", **PASSED),
    event(
        "production.delivery.finished",
        "seq-prod-f",
        at(46),
        "production",
        triggeredid="seq-prod",
        **PASSED,
    ),
]
EXAMPLE_A_RUN = [*DEV, *HARDENING, *APPROVAL_WAITING, *APPROVED_AND_RELEASED]


def _only_view(events: list[KeptnEvent], **overrides: SequenceStateName) -> dict[str, Any]:
    views = build_views(events, {CONTEXT: overrides["state"]} if overrides else None)
    assert len(views) == 1
    return views[0].to_api()


def _ref(kind: str, event_id: str, time: str) -> dict[str, str]:
    return {"type": f"sh.keptn.event.{kind}", "id": event_id, "time": time}


# --- Example A, start to end ------------------------------------------------------------------


def test_example_a_delivery_through_three_stages() -> None:
    assert _only_view(EXAMPLE_A_RUN) == {
        "name": "delivery",
        "service": "carts",
        "project": "sockshop",
        "time": "2023-05-02T10:00:00.000Z",
        "shkeptncontext": CONTEXT,
        "state": "finished",
        "stages": [
            {
                "name": "dev",
                "image": IMAGE,
                "state": "succeeded",
                "latestEvaluation": {"result": "pass", "score": 95.0},
                "latestEvent": _ref("dev.delivery.finished", "seq-dev-f", at(12)),
            },
            {
                "name": "hardening",
                "image": IMAGE,
                "state": "succeeded",
                "latestEvaluation": {"result": "warning", "score": 80.0},
                "latestEvent": _ref("hardening.delivery.finished", "seq-hardening-f", at(22)),
            },
            {
                "name": "production",
                "image": IMAGE,
                "state": "succeeded",
                "latestEvent": _ref("production.delivery.finished", "seq-prod-f", at(46)),
            },
        ],
    }


def test_a_fresh_trigger_is_triggered_with_its_stage_running() -> None:
    view = _only_view(DEV[:1])
    assert view["state"] == "triggered"
    assert view["stages"] == [{"name": "dev", "state": "triggered"}]


def test_dispatching_a_task_starts_the_run_and_shows_the_image() -> None:
    view = _only_view(DEV[:3])  # the sequence trigger, deployment.triggered and .started
    assert view["state"] == "started"
    assert view["stages"] == [
        {
            "name": "dev",
            "image": IMAGE,
            "state": "triggered",
            "latestEvent": _ref("deployment.started", "dev-deploy-s", at(1, 1)),
        }
    ]


def test_the_lighthouse_internal_get_sli_events_are_not_stage_events() -> None:
    # Up to the dev evaluation's get-sli.finished: the latest stage event is evaluation.started.
    until_sli = DEV[: DEV.index(next(e for e in DEV if e.id == "dev-eval-sli-f")) + 1]
    stage = _only_view(until_sli)["stages"][0]
    assert stage["latestEvent"] == _ref("evaluation.started", "dev-eval-s", at(9, 1))


def test_a_finished_stage_with_nothing_else_running_reads_finished() -> None:
    # Between dev's .finished and the chained hardening trigger no stage is `triggered`.
    assert _only_view(DEV)["state"] == "finished"


def test_the_chained_stage_keeps_the_run_started() -> None:
    view = _only_view([*DEV, HARDENING[0]])
    assert view["state"] == "started"
    assert [(stage["name"], stage["state"]) for stage in view["stages"]] == [
        ("dev", "succeeded"),
        ("hardening", "triggered"),
    ]


def test_an_open_approval_is_waiting_for_approval() -> None:
    view = _only_view([*DEV, *HARDENING, *APPROVAL_WAITING])
    assert view["state"] == "waitingForApproval"
    assert view["stages"][2] == {
        "name": "production",
        "state": "triggered",
        "latestEvent": _ref("approval.started", "prod-approval-s", at(22, 3)),
    }


def test_an_answered_approval_runs_on() -> None:
    view = _only_view([*DEV, *HARDENING, *APPROVAL_WAITING, APPROVED_AND_RELEASED[0]])
    assert view["state"] == "started"


# --- failures ---------------------------------------------------------------------------------


def _hardening_failure_then_rollback() -> list[KeptnEvent]:
    failed = {"status": "succeeded", "result": "fail"}
    return [
        event(
            "hardening.delivery.triggered", "h-seq", at(20), "hardening", configurationChange=CHANGE
        ),
        *deployment("h-deploy", "hardening", 21),
        *task("test", "h-test", "hardening", 23, "jmeter-service", **PASSED),
        *evaluation("h-eval", "hardening", 29, "fail", 40),
        event(
            "hardening.delivery.finished",
            "h-seq-f",
            at(30),
            "hardening",
            triggeredid="h-seq",
            **failed,
        ),
        event("hardening.rollback.triggered", "h-rb-seq", at(30, 1), "hardening", **failed),
        # The rollback task's payload carries the failed result forward (reference 2.5 step 4).
        event("rollback.triggered", "h-rb", at(30, 2), "hardening", **failed),
        event(
            "rollback.started",
            "h-rb-s",
            at(30, 3),
            "hardening",
            triggeredid="h-rb",
            status="succeeded",
        ),
        event("rollback.finished", "h-rb-f", at(31), "hardening", triggeredid="h-rb", **PASSED),
        event(
            "hardening.rollback.finished",
            "h-rb-seq-f",
            at(32),
            "hardening",
            triggeredid="h-rb-seq",
            **PASSED,
        ),
    ]


def test_a_failed_gate_then_a_rollback_in_the_same_stage() -> None:
    events = _hardening_failure_then_rollback()
    after_gate = _only_view(
        events[: events.index(next(e for e in events if e.id == "h-seq-f")) + 1]
    )
    assert after_gate["state"] == "finished"
    assert after_gate["stages"][0]["latestFailedEvent"] == _ref(
        "hardening.delivery.finished", "h-seq-f", at(30)
    )
    assert _only_view(events[:-3])["state"] == "started"  # the rollback is running
    assert _only_view(events) == {
        "name": "delivery",
        "service": "carts",
        "project": "sockshop",
        "time": at(20),
        "shkeptncontext": CONTEXT,
        "state": "finished",
        "stages": [
            {
                "name": "hardening",
                "image": IMAGE,
                "state": "succeeded",
                "latestEvaluation": {"result": "fail", "score": 40.0},
                "latestEvent": _ref("hardening.rollback.finished", "h-rb-seq-f", at(32)),
                "latestFailedEvent": _ref("rollback.triggered", "h-rb", at(30, 2)),
            }
        ],
    }


def test_an_errored_deployment_errors_the_stage() -> None:
    errored = {"status": "errored", "result": "fail"}
    events = [
        DEV[0],
        event("deployment.triggered", "d", at(1), "dev", configurationChange=CHANGE),
        event("deployment.started", "d-s", at(1, 1), "dev", triggeredid="d", status="succeeded"),
        event("deployment.finished", "d-f", at(2), "dev", triggeredid="d", **errored),
    ]
    assert _only_view(events)["stages"][0]["latestFailedEvent"] == _ref(
        "deployment.finished", "d-f", at(2)
    )
    events.append(
        event("dev.delivery.finished", "f", at(3), "dev", triggeredid="seq-dev", **errored)
    )
    view = _only_view(events)
    assert view["state"] == "finished"
    assert view["stages"][0]["state"] == "errored"
    assert view["stages"][0]["latestFailedEvent"] == _ref("dev.delivery.finished", "f", at(3))


def test_an_evaluation_takes_the_event_result_over_the_gate_result() -> None:
    # Reference 9 item 9: get-sli failed, so data.result is fail while evaluation.result is pass.
    events = [
        DEV[0],
        event("evaluation.triggered", "e", at(1), "dev"),
        event(
            "evaluation.finished",
            "e-f",
            at(2),
            "dev",
            triggeredid="e",
            status="succeeded",
            result="fail",
            evaluation={"result": "pass", "score": 100},
        ),
    ]
    assert _only_view(events)["stages"][0]["latestEvaluation"] == {"result": "fail", "score": 100.0}


# --- remediation ------------------------------------------------------------------------------


def test_remediation_shows_the_problem_title() -> None:
    problem = {"problemTitle": "Response time degradation", "rootCause": ""}
    first_action: dict[str, Any] = {"get-action": {"actionIndex": 0}}
    events = [
        event(
            "production.remediation.triggered",
            "r",
            at(0),
            "production",
            source="prometheus",
            problem=problem,
        ),
        event(
            "get-action.triggered",
            "ga",
            at(0, 1),
            "production",
            problem=problem,
            **first_action,
        ),
        event(
            "get-action.started",
            "ga-s",
            at(0, 2),
            "production",
            triggeredid="ga",
            status="succeeded",
        ),
        event("get-action.finished", "ga-f", at(0, 3), "production", triggeredid="ga", **PASSED),
        event("action.triggered", "a", at(0, 4), "production", problem=problem),
    ]
    view = _only_view(events)
    assert view["name"] == "remediation"
    assert view["problemTitle"] == "Response time degradation"
    assert view["state"] == "started"
    assert view["stages"] == [
        {
            "name": "production",
            "state": "triggered",
            "latestEvent": _ref("action.triggered", "a", at(0, 4)),
        }
    ]


def test_a_delivery_has_no_problem_title_key() -> None:
    assert "problemTitle" not in _only_view(EXAMPLE_A_RUN)


# --- events the view ignores ------------------------------------------------------------------


def test_late_and_unrelated_events_change_nothing() -> None:
    ignored = [
        # a late answer to dev's deployment after dev finished
        event("deployment.finished", "late", at(50), "dev", triggeredid="dev-deploy", **PASSED),
        # an answer to no task of this run
        event("test.started", "stray", at(50), "dev", triggeredid="nobody", status="succeeded"),
        # informational and log events
        event(
            "test.status.changed", "chg", at(50), "dev", triggeredid="dev-test", status="succeeded"
        ),
        event("evaluation.invalidated", "inv", at(50), "dev", triggeredid="dev-eval"),
        KeptnEvent(
            id="log",
            source="job-executor",
            type="sh.keptn.log.error",
            time=at(50),
            shkeptncontext=CONTEXT,
            data={"message": "boom", "task": "test"},
        ),
    ]
    assert _only_view([*EXAMPLE_A_RUN, *ignored]) == _only_view(EXAMPLE_A_RUN)


def test_a_context_without_a_sequence_trigger_has_no_view() -> None:
    stray = event("test.finished", "x", at(1), "dev", triggeredid="y", context=OTHER_CONTEXT)
    assert build_views([stray]) == []


def test_one_view_per_context_in_order_of_their_first_trigger() -> None:
    other = event(
        "hardening.evaluation.triggered", "o", at(0, 30), "hardening", context=OTHER_CONTEXT
    )
    views = build_views([DEV[0], other, *DEV[1:]])
    assert [(view.shkeptncontext, view.name, view.state) for view in views] == [
        (CONTEXT, "delivery", "finished"),
        (OTHER_CONTEXT, "evaluation", "triggered"),
    ]


# --- states supplied by the control plane -----------------------------------------------------


@pytest.mark.parametrize("state", ["waiting", "paused", "timedOut", "aborted"])
def test_an_override_replaces_the_state_of_a_running_context(state: SequenceStateName) -> None:
    assert _only_view(DEV[:3], state=state)["state"] == state


def test_waiting_never_replaces_finished() -> None:
    assert _only_view(EXAMPLE_A_RUN, state="waiting")["state"] == "finished"


def test_aborted_replaces_finished() -> None:
    # An abort ends the stages with status aborted; the view says aborted, not finished.
    aborted = event(
        "dev.delivery.finished",
        "abort",
        at(2),
        "dev",
        triggeredid="seq-dev",
        status="aborted",
        result="pass",
    )
    view = _only_view([*DEV[:3], aborted], state="aborted")
    assert view["state"] == "aborted"
    assert view["stages"][0]["state"] == "aborted"


def test_an_override_for_another_context_is_ignored() -> None:
    views = build_views(DEV[:3], {OTHER_CONTEXT: "paused"})
    assert views[0].state == "started"


def test_the_view_model_uses_python_names_and_the_api_uses_keptns() -> None:
    view = build_views(EXAMPLE_A_RUN)[0]
    assert view.stages[0].latest_evaluation is not None
    assert view.stages[0].latest_evaluation.score == 95.0
    assert set(view.to_api()["stages"][0]) == {
        "name",
        "image",
        "state",
        "latestEvaluation",
        "latestEvent",
    }
