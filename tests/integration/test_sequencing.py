"""Shipyard sequences as real Step Functions executions on moto (reference sections 1 and 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.bootstrap import build_aws_container, use_container
from chalicelib.services.auth import issue_token
from chalicelib.settings import Settings
from tests.integration.api_helpers import Api
from tests.integration.conftest import STAGE
from tests.integration.sequencing_harness import Harness

SHIPYARD = """\
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
            - name: test
            # Not `evaluation`: the lighthouse answers that one (tests/integration/test_lighthouse).
            - name: smoke
        - name: delayed
          tasks:
            - name: deployment
              triggeredAfter: 1s
        - name: bounded
          tasks:
            - name: deployment
              properties:
                timeout: 1s
            - name: release
        - name: twice
          tasks:
            - name: deployment
            - name: deployment
        - name: empty
          tasks: []
    - name: staging
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: deployment
        - name: rollback
          triggeredOn:
            - event: staging.delivery.finished
              selector:
                match:
                  result: failed
          tasks:
            - name: rollback
    - name: prod-eu
      sequences:
        - name: delivery
          triggeredOn:
            - event: staging.delivery.finished
          tasks:
            - name: deployment
    - name: prod-us
      sequences:
        - name: delivery
          triggeredOn:
            - event: staging.delivery.finished
          tasks:
            - name: deployment
"""


@pytest.fixture
def flow(aws: None) -> Iterator[Harness]:
    # Answer deadlines are real (delayed messages): a minute, so that a slow machine never
    # times a test's run out; the timeout tests shorten it for the project (`answer_within`).
    container = build_aws_container(
        Settings(stage=STAGE, task_wait_seconds=60, start_settle_seconds=0)
    )
    use_container(container)
    token = issue_token(container.tokens, "alice")
    with Client(app) as client:
        harness = Harness(Api(client, token))
        harness.create_project(SHIPYARD, services=("cart", "payment"))
        yield harness
    use_container(None)


def test_tasks_run_one_after_another_with_properties_and_payload(flow: Harness) -> None:
    context = flow.trigger(
        "dev", "delivery", data={"configurationChange": {"values": {"image": "cart:2"}}}
    )
    deployment = flow.wait_task(context, "deployment")
    assert deployment["data"]["deployment"] == {"deploymentstrategy": "direct"}
    assert deployment["data"]["configurationChange"]["values"]["image"] == "cart:2"
    assert deployment["source"] == "shipyard-controller"
    assert flow.triggered(context, "test") == []  # not before deployment finished
    flow.answer(deployment, data={"deployment": {"deploymentURIsLocal": ["http://cart"]}})
    test = flow.wait_task(context, "test")
    assert test["data"]["deployment"]["deploymentURIsLocal"] == ["http://cart"]
    assert test["data"]["result"] == "pass"
    flow.answer(test)
    flow.answer(flow.wait_task(context, "smoke"), result="warning")
    finished = flow.wait_finished(context, "dev", "delivery")
    assert (finished["data"]["result"], finished["data"]["status"]) == ("warning", "succeeded")
    assert finished["triggeredid"] == flow.events(context)[0]["id"]
    assert "taskToken" not in str(flow.events(context))


def test_a_failed_task_stops_the_sequence_and_a_warning_does_not(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    flow.answer(flow.wait_task(context, "deployment"), result="warning")
    flow.answer(flow.wait_task(context, "test"), result="fail")
    finished = flow.wait_finished(context, "dev", "delivery")
    assert finished["data"]["result"] == "fail"
    flow.settle()
    assert flow.triggered(context, "smoke") == []


def test_an_errored_task_ends_the_sequence_errored(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    flow.answer(flow.wait_task(context, "deployment"), result="fail", status="errored")
    finished = flow.wait_finished(context, "dev", "delivery")
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")


def test_two_executors_complete_a_task_when_both_finished(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    deployment = flow.wait_task(context, "deployment")
    flow.answer(deployment, finished=False, source="tool-a")
    flow.answer(deployment, finished=False, source="tool-b")
    flow.answer(deployment, started=False, source="tool-a", data={"a": 1})
    flow.settle()
    assert flow.triggered(context, "test") == []  # one started executor has not finished
    flow.answer(deployment, started=False, source="tool-b", result="warning", data={"b": 2})
    test = flow.wait_task(context, "test")
    assert (test["data"]["result"], test["data"]["a"], test["data"]["b"]) == ("warning", 1, 2)


def test_a_finished_without_started_completes_the_task(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    flow.answer(flow.wait_task(context, "deployment"), started=False)
    assert flow.wait_task(context, "test")


def test_duplicate_answers_and_triggers_change_nothing(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery", id="build-7")
    assert flow.trigger("dev", "delivery", id="build-7") == context
    deployment = flow.wait_task(context, "deployment")
    flow.answer(deployment, finished=False, source="tool-a", event_id="s1")
    flow.answer(deployment, finished=False, source="tool-a", event_id="s1")  # redelivered
    flow.answer(deployment, started=False, source="tool-a", event_id="f1")
    flow.wait_task(context, "test")
    flow.settle()
    assert len(flow.triggered(context, "deployment")) == 1
    assert flow.types(context).count("dev.delivery.triggered") == 1


def test_chaining_fans_out_and_selectors_use_the_failed_alias(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    for task in ("deployment", "test", "smoke"):
        flow.answer(flow.wait_task(context, task))
    flow.wait_finished(context, "dev", "delivery")
    staging = flow.wait_task(context, "deployment", stage="staging")
    assert staging["shkeptncontext"] == context
    flow.answer(staging)
    eu = flow.wait_task(context, "deployment", stage="prod-eu")
    us = flow.wait_task(context, "deployment", stage="prod-us")
    assert {eu["data"]["stage"], us["data"]["stage"]} == {"prod-eu", "prod-us"}
    assert flow.triggered(context, "rollback") == []
    # A second run whose staging deployment fails: rollback (selector `failed`), no production.
    other = flow.trigger("dev", "delivery")
    for task in ("deployment", "test", "smoke"):
        flow.answer(flow.wait_task(other, task, stage="dev"))
    flow.answer(flow.wait_task(other, "deployment", stage="staging"), result="fail")
    assert flow.wait_task(other, "rollback")
    flow.settle()
    assert flow.triggered(other, "deployment", stage="prod-eu") == []


def test_three_triggers_for_one_service_run_one_at_a_time_in_order(flow: Harness) -> None:
    contexts = [flow.trigger("dev", "twice", id=f"t{n}") for n in range(3)]
    first = flow.wait_task(contexts[0], "deployment")
    flow.settle()
    assert flow.triggered(contexts[1], "deployment") == []
    assert flow.triggered(contexts[2], "deployment") == []
    other_service = flow.trigger("dev", "twice", service="payment")
    assert flow.wait_task(other_service, "deployment")  # another service runs in parallel
    flow.answer(first)
    flow.answer(flow.wait_task(contexts[0], "deployment", count=2))  # same task twice
    flow.wait_finished(contexts[0], "dev", "twice")
    second = flow.wait_task(contexts[1], "deployment")
    assert flow.triggered(contexts[2], "deployment") == []
    flow.answer(second)
    flow.answer(flow.wait_task(contexts[1], "deployment", count=2))
    assert flow.wait_task(contexts[2], "deployment")


def test_triggered_after_delays_the_task(flow: Harness) -> None:
    context = flow.trigger("dev", "delayed")
    trigger = flow.pump(lambda: flow.events(context))[0]
    deployment = flow.wait_task(context, "deployment")
    gap = _seconds(deployment["time"]) - _seconds(trigger["time"])
    assert gap >= 1.0


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def answer_within(flow: Harness, wait: str) -> None:
    """The project's answer deadline (`taskStartedWaitDuration`) for runs triggered from now."""
    body = {"name": "shop", "taskStartedWaitDuration": wait}
    assert flow.api.call("PUT", "/v1/project", body)[0] == 201


def test_a_task_nobody_answers_times_the_sequence_out_without_chaining(flow: Harness) -> None:
    answer_within(flow, "1s")
    context = flow.trigger("dev", "delivery")
    flow.wait_task(context, "deployment")
    # The task's own deadline arrives (a delayed message to the control queue): no schedule.
    finished = flow.pump(lambda: flow.finished(context, "dev", "delivery"), timeout=10)
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    assert finished["data"]["message"] == (
        "sequence timed out while waiting for task sh.keptn.event.deployment.triggered to "
        "receive a correlating .started or .finished event"
    )
    flow.settle()
    assert flow.triggered(context, "deployment", stage="staging") == []


def test_a_task_timeout_bounds_the_task_even_after_started(flow: Harness) -> None:
    context = flow.trigger("dev", "bounded")
    flow.answer(flow.wait_task(context, "deployment"), finished=False)
    finished = flow.wait_finished(context, "dev", "bounded")
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    assert flow.triggered(context, "release") == []


@pytest.mark.parametrize(
    ("stage", "sequence", "message"),
    [
        ("qa", "delivery", "Unable to start sequence delivery: no stage with name qa"),
        (
            "dev",
            "deploy",
            "Unable to start sequence deploy: no task sequence with name deploy found in stage dev",
        ),
        (
            "dev",
            "empty",
            "Unable to start sequence empty: task sequence empty does not contain any tasks",
        ),
    ],
)
def test_invalid_triggers_end_with_keptns_message(
    flow: Harness, stage: str, sequence: str, message: str
) -> None:
    context = flow.trigger(stage, sequence)
    finished = flow.wait_finished(context, stage, sequence)
    assert (finished["data"]["status"], finished["data"]["result"]) == ("errored", "fail")
    assert finished["data"]["message"] == message


def test_the_builtin_evaluation_sequence_exists_in_every_stage(flow: Harness) -> None:
    context = flow.trigger("staging", "evaluation", data={"evaluation": {"timeframe": "5m"}})
    evaluation = flow.wait_task(context, "evaluation")
    assert evaluation["data"]["evaluation"] == {"timeframe": "5m"}
    # The lighthouse answers it (no SLI provider configured: the gate passes unmeasured).
    assert flow.wait_finished(context, "staging", "evaluation")["data"]["result"] == "pass"
    sources = {
        e["source"]
        for e in flow.events(context)
        if e["type"].startswith("sh.keptn.event.evaluation.")
    }
    assert sources == {"shipyard-controller", "lighthouse-service"}


def test_tools_can_poll_open_tasks_over_http(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    deployment = flow.wait_task(context, "deployment")
    path = "/api/controlPlane/v1/event/triggered/sh.keptn.event.deployment.triggered?project=shop"
    status, body = flow.api.call("GET", path)
    assert status == 200
    assert [e["id"] for e in body["events"]] == [deployment["id"]]
    assert flow.api.call("GET", path + "&stage=prod-eu")[1]["events"] == []
    flow.answer(deployment)
    flow.wait_task(context, "test")
    assert flow.api.call("GET", path)[1]["events"] == []
    # Without a project (Keptn's distributor polls so when it subscribed for all projects):
    # every project's open tasks.
    every = flow.api.call("GET", "/v1/event/triggered/test.triggered")
    assert every[0] == 200
    assert [e["data"]["project"] for e in every[1]["events"]] == ["shop"]


def test_the_sequence_view_follows_a_run_across_stages(flow: Harness) -> None:
    context = flow.trigger(
        "dev", "delivery", data={"configurationChange": {"values": {"image": "cart:3"}}}
    )
    flow.wait_task(context, "deployment")
    queued = flow.trigger("dev", "delivery", id="queued-1")
    flow.pump(lambda: flow.events(queued))

    def states() -> dict[str, dict[str, Any]]:
        body = flow.api.call("GET", "/v1/sequence/shop")[1]
        return {state["shkeptncontext"]: state for state in body["states"]}

    running = flow.pump(lambda: states().get(context))
    assert (running["name"], running["state"]) == ("delivery", "started")
    assert flow.pump(lambda: states().get(queued))["state"] == "waiting"
    for task in ("deployment", "test", "smoke"):
        flow.answer(flow.wait_task(context, task, stage="dev"))
    flow.wait_task(context, "deployment", stage="staging")
    view = flow.pump(lambda: (lambda s: s if len(s["stages"]) == 2 else None)(states()[context]))
    dev, staging = view["stages"]
    assert (dev["name"], dev["state"], dev["image"]) == ("dev", "succeeded", "cart:3")
    assert (staging["name"], staging["state"]) == ("staging", "triggered")
    only = flow.api.call("GET", f"/v1/sequence/shop?keptnContext={queued}")[1]["states"]
    assert [s["shkeptncontext"] for s in only] == [queued]
    assert flow.api.call("GET", "/v1/sequence/ghost")[0] == 404


def control(flow: Harness, context: str, state: str, stage: str | None = None) -> tuple[int, Any]:
    body = {"state": state, **({"stage": stage} if stage else {})}
    return flow.api.call("POST", f"/api/controlPlane/v1/sequence/shop/{context}/control", body)


def test_pause_holds_the_next_task_and_resume_sends_it(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    deployment = flow.wait_task(context, "deployment")
    status, body = control(flow, context, "pause")
    assert (status, body["message"].startswith("paused 1 sequence")) == (200, True)
    flow.answer(deployment)  # the running task still finishes
    flow.settle(1.0)
    assert flow.triggered(context, "test") == []
    state = flow.api.call("GET", f"/v1/sequence/shop?keptnContext={context}")[1]["states"][0]
    assert state["state"] == "paused"
    assert control(flow, context, "resume")[1]["message"] == "resumed 1 sequence(s)"
    test = flow.wait_task(context, "test")
    assert test["data"]["result"] == "pass"
    assert control(flow, context, "resume")[1]["message"] == "nothing to resume: not paused"


def test_a_held_task_gets_its_answer_deadline_when_resumed(flow: Harness) -> None:
    answer_within(flow, "1s")
    context = flow.trigger("dev", "delivery")
    deployment = flow.wait_task(context, "deployment")
    control(flow, context, "pause")
    flow.answer(deployment)
    flow.settle(1.5)  # held past the one-second deadline: a held task has none
    assert flow.finished(context, "dev", "delivery") is None
    control(flow, context, "resume")
    flow.wait_task(context, "test")  # sent now, and nobody answers it
    finished = flow.wait_finished(context, "dev", "delivery")
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")
    assert "sh.keptn.event.test.triggered" in finished["data"]["message"]


def test_abort_ends_the_run_ignores_late_answers_and_does_not_chain(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    deployment = flow.wait_task(context, "deployment")
    assert control(flow, context, "abort")[1]["message"] == "aborted 1 sequence(s)"
    finished = flow.wait_finished(context, "dev", "delivery")
    assert (finished["data"]["result"], finished["data"]["status"]) == ("pass", "aborted")
    flow.answer(deployment)  # late
    flow.settle(1.0)
    assert flow.triggered(context, "test") == []
    assert flow.triggered(context, "deployment", stage="staging") == []
    assert "sh.keptn.event.deployment.finished" in [e["type"] for e in flow.events(context)]
    ended = control(flow, context, "pause")
    assert ended == (
        200,
        {"message": f"nothing to pause: every sequence of context {context} has ended"},
    )


def test_aborting_queued_and_running_runs_lets_the_next_one_start(flow: Harness) -> None:
    first, second, third = (flow.trigger("dev", "twice", id=f"q{n}") for n in range(3))
    flow.wait_task(first, "deployment")
    flow.pump(lambda: flow.events(third))
    assert control(flow, second, "abort")[1]["message"] == "aborted 1 sequence(s)"  # queued
    assert flow.wait_finished(second, "dev", "twice")["data"]["status"] == "aborted"
    assert control(flow, first, "abort")[0] == 200  # running: the queue moves on
    assert flow.wait_task(third, "deployment")
    assert flow.triggered(second, "deployment") == []


def test_control_refusals(flow: Harness) -> None:
    context = flow.trigger("dev", "delivery")
    flow.wait_task(context, "deployment")
    assert control(flow, "no-such-context", "abort")[0] == 404
    bad = control(flow, context, "stop")
    assert bad[0] == 400
    assert "use pause, resume, abort or skip" in bad[1]["message"]
    assert control(flow, context, "pause", stage="prod-eu")[0] == 404


def test_the_answer_deadline_is_set_per_project(flow: Harness) -> None:
    bad = flow.api.call("PUT", "/v1/project", {"name": "shop", "taskStartedWaitDuration": "soon"})
    assert bad[0] == 400
    assert "taskStartedWaitDuration 'soon'" in bad[1]["message"]
    assert (
        flow.api.call("PUT", "/v1/project", {"name": "shop", "taskStartedWaitDuration": "1h"})[0]
        == 201
    )
    assert flow.api.call("GET", "/v1/project/shop")[1]["taskStartedWaitDuration"] == "3600s"
    context = flow.trigger("dev", "delivery")
    flow.wait_task(context, "deployment")
    answer_within(flow, "1s")  # for later runs: this one keeps the hour it started with
    flow.settle(1.5)
    assert flow.finished(context, "dev", "delivery") is None
    later = flow.trigger("dev", "delivery", service="payment")
    flow.wait_task(later, "deployment")
    finished = flow.wait_finished(later, "dev", "delivery")  # one second without an answer
    assert (finished["data"]["result"], finished["data"]["status"]) == ("fail", "errored")


def metrics_written(output: str) -> list[dict[str, Any]]:
    """The CloudWatch embedded-metric-format lines the handlers printed."""
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def test_runs_and_tasks_are_measured(flow: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    context = flow.trigger("dev", "delivery")
    flow.answer(flow.wait_task(context, "deployment"), result="warning")
    flow.answer(flow.wait_task(context, "test"), result="fail")
    flow.wait_finished(context, "dev", "delivery")
    written = metrics_written(capsys.readouterr().out)

    def named(name: str) -> list[dict[str, Any]]:
        return [metric for metric in written if name in metric]

    assert [metric["SequencesStarted"] for metric in named("SequencesStarted")] == [[1.0]]
    (finished,) = named("SequencesFinished")
    assert finished["result"] == "fail"
    assert sorted(finished["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) == [
        "result",
        "service",
    ]
    durations = {metric["task"]: metric["TaskDuration"][0] for metric in named("TaskDuration")}
    assert set(durations) == {"deployment", "test"}
    assert all(0 <= duration < 60_000 for duration in durations.values())
    # Each metric set holds its own dimensions only.
    assert all("result" not in metric for metric in named("EventsHandled"))
