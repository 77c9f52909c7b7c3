"""Deciding on a sequence trigger: Keptn's refusals (reference 3.8) and the run a trigger makes."""

from __future__ import annotations

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ProjectRecord
from chalicelib.domain.runs import Scope, run_id_for
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine import sequencer

SHIPYARD = parse_document(
    """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
        - name: empty
          tasks: []
""",
    Shipyard,
    "shipyard.yaml",
)
SCOPE = Scope(project="shop", stage="dev", service="cart")
TRIGGER = KeptnEvent(
    id="t1",
    source="ci",
    type="sh.keptn.event.dev.delivery.triggered",
    time="2026-12-04T10:00:00.000Z",
    shkeptncontext="ctx",
    data={"project": "shop", "stage": "dev", "service": "cart", "image": "cart:2"},
)


def test_keptns_refusals_name_what_is_missing() -> None:
    assert sequencer.sequence_problem(SHIPYARD, "dev", "delivery") is None
    assert sequencer.sequence_problem(SHIPYARD, "prod", "delivery") == "no stage with name prod"
    assert sequencer.sequence_problem(SHIPYARD, "dev", "remedy") == (
        "no task sequence with name remedy found in stage dev"
    )
    assert sequencer.sequence_problem(SHIPYARD, "dev", "empty") == (
        "task sequence empty does not contain any tasks"
    )


def test_a_refusal_finishes_the_trigger_errored_with_a_fixed_id() -> None:
    refused = sequencer.refusal(TRIGGER, SCOPE, "delivery", "why", "2026-12-04T10:00:01.000Z")
    event = refused.finished.event
    assert event["type"] == "sh.keptn.event.dev.delivery.finished"
    assert (event["triggeredid"], event["shkeptncontext"]) == ("t1", "ctx")
    assert {k: event["data"][k] for k in ("result", "status", "message")} == {
        "result": "fail",
        "status": "errored",
        "message": "why",
    }
    again = sequencer.refusal(TRIGGER, SCOPE, "delivery", "why", "2026-12-04T10:00:09.000Z")
    assert again.finished.event["id"] == event["id"]  # a redelivered trigger: the same event


def test_a_run_is_named_after_its_trigger_and_pinned_to_its_commit() -> None:
    project = ProjectRecord(
        name="shop",
        shipyard="",
        shipyard_version="spec.keptn.sh/0.2.3",
        stages=("dev",),
        creation_date="2026-12-04T09:00:00.000Z",
        task_wait_seconds=90,
    )
    made = sequencer.new_run(TRIGGER, SCOPE, "delivery", project, "abc", "m_v1", paused=True)
    run = made.run
    assert run.id == run_id_for("ci", "t1")
    assert (run.git_commit, run.machine, run.paused, run.task_wait_seconds) == (
        "abc",
        "m_v1",
        True,
        90,
    )
    assert (run.created, run.input["image"], run.triggered_id) == (
        "2026-12-04T10:00:00.000Z",
        "cart:2",
        "t1",
    )
