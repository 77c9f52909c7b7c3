"""Which entries run for an event, and what they answer: Keptn's started/finished counting."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.webhook import WebhookConfig
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.webhooks.answers import Answers
from chalicelib.engine.webhooks.matching import ScopeFile, select, type_matches


def config(*hooks: str) -> WebhookConfig:
    text = (
        "apiVersion: webhookconfig.keptn.sh/v1beta1\nkind: WebhookConfig\nmetadata: {name: w}\n"
        "spec:\n  webhooks:\n" + "".join(hooks)
    )
    return parse_document(text, WebhookConfig, "webhook.yaml")


def hook(event_type: str, *extra: str, requests: int = 1) -> str:
    lines = "".join(f"        - {{url: 'https://x/{n}', method: POST}}\n" for n in range(requests))
    return (
        f"    - type: {event_type}\n"
        + "".join(f"      {e}\n" for e in extra)
        + ("      requests:\n" + lines)
    )


def event(event_type: str, **data: Any) -> KeptnEvent:
    return KeptnEvent(
        id="t1",
        source="shipyard-controller",
        type=event_type,
        time="2026-05-02T10:00:00.000Z",
        shkeptncontext="c1",
        data={"project": "p", "stage": "s", "service": "x", **data},
    )


def keys(files: list[ScopeFile], happened: KeptnEvent) -> list[str]:
    return [match.key for match in select(files, happened)]


def test_the_service_file_wins_over_stage_and_project_and_all_its_matches_run() -> None:
    test = "sh.keptn.event.test.triggered"
    files = [
        ScopeFile(
            "service", config(hook(test), hook("sh.keptn.event.other.triggered"), hook(test))
        ),
        ScopeFile("stage", config(hook(test))),
        ScopeFile("project", config(hook(test))),
    ]
    assert keys(files, event(test)) == ["service#0", "service#2"]
    assert keys([ScopeFile("service", None), *files[1:]], event(test)) == ["stage#0"]
    assert keys(files, event("sh.keptn.event.deployment.triggered")) == []


def test_a_subscription_id_picks_its_entry_and_an_unknown_one_falls_back_to_the_type() -> None:
    test = "sh.keptn.event.test.triggered"
    files = [
        ScopeFile("service", None),
        ScopeFile(
            "stage", config(hook(test, "subscriptionID: a"), hook(test, "subscriptionID: b"))
        ),
        ScopeFile("project", config(hook("sh.keptn.event.notify.triggered", "subscriptionID: c"))),
    ]
    subscribed = event(test, temporaryData={"distributor": {"subscriptionID": "b"}})
    assert keys(files, subscribed) == ["stage#1"]
    # Keptn matched by subscription only: the entry of `c` runs even for another type.
    other = event(test, temporaryData={"distributor": {"subscriptionID": "c"}})
    assert keys(files, other) == ["project#0"]
    stale = event(test, temporaryData={"distributor": {"subscriptionID": "gone"}})
    assert keys(files, stale) == ["stage#0", "stage#1"]


def test_stars_stand_for_one_segment_and_results_filter() -> None:
    assert type_matches("sh.keptn.event.*.*.finished", "sh.keptn.event.prod.delivery.finished")
    assert not type_matches("sh.keptn.event.*.*.finished", "sh.keptn.event.test.finished")
    assert not type_matches("sh.keptn.event.*.finished", "sh.keptn.event.prod.delivery.finished")
    files = [ScopeFile("project", config(hook("sh.keptn.event.*.*.finished", "results: [fail]")))]
    failed = event("sh.keptn.event.prod.delivery.finished", result="fail")
    passed = event("sh.keptn.event.prod.delivery.finished", result="pass")
    assert keys(files, failed) == ["project#0"]
    assert keys(files, passed) == []


@pytest.mark.parametrize(
    ("flags", "started", "on_success", "failing_at_second"),
    [
        # sendFinished: one started, one finished, either way.
        (("sendFinished: true",), 1, 1, 1),
        # Keptn's default (sendFinished false): a started per request, receivers finish; on a
        # failure at the 2nd of 3, finished for the 2nd and the 3rd (never sent).
        ((), 3, 0, 2),
        (("sendFinished: false", "sendStarted: false"), 0, 0, 2),
        (("sendFinished: true", "sendStarted: false"), 0, 1, 1),
    ],
)
def test_started_and_finished_counts_as_keptn(
    flags: tuple[str, ...], started: int, on_success: int, failing_at_second: int
) -> None:
    entry = config(hook("sh.keptn.event.test.triggered", *flags, requests=3)).webhooks[0]
    answers = Answers(event("sh.keptn.event.test.triggered", labels={"b": "1"}), entry, "stage#0")
    sent_started = answers.started("2026-05-02T10:00:01.000Z")
    assert len(sent_started) == started
    assert len({e.id for e in sent_started}) == started  # distinct ids, so each is counted
    succeeded = answers.succeeded(["a", {"b": 1}, "c"], "2026-05-02T10:00:02.000Z")
    assert len(succeeded) == on_success
    for finished in succeeded:
        assert finished.data == {
            "project": "p", "stage": "s", "service": "x", "labels": {"b": "1"},
            "status": "succeeded", "result": "pass", "test": {"responses": ["a", {"b": 1}, "c"]},
        }  # fmt: skip
    failed = answers.failed(1, "request 2: boom", "2026-05-02T10:00:02.000Z")
    assert len(failed) == failing_at_second
    assert {(e.data["result"], e.data["status"]) for e in failed} <= {("fail", "errored")}
    again = Answers(event("sh.keptn.event.test.triggered", labels={"b": "1"}), entry, "stage#0")
    assert [e.id for e in again.started("later")] == [e.id for e in sent_started]


def test_only_task_triggered_events_are_answered() -> None:
    entry = config(hook("sh.keptn.event.test.finished", "sendFinished: true")).webhooks[0]
    answers = Answers(event("sh.keptn.event.test.finished"), entry, "service#0")
    assert answers.started("t") == []
    assert answers.succeeded([], "t") == []
    assert answers.failed(0, "boom", "t") == []
