"""Which webhook files an event sees: pinned to its commit, read once per scope and commit, and
a broken file skipped and reported once."""

from __future__ import annotations

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ResourceScope
from chalicelib.services.webhooks.lookup import WebhookFiles
from tests.fakes import FakeBus, FakeConfigStore
from tests.fakes_webhooks import project_record

SERVICE = ResourceScope(project="shop", stage="dev", service="cart")
STAGE = ResourceScope(project="shop", stage="dev")
HOOK = """apiVersion: webhookconfig.keptn.sh/v1beta1
kind: WebhookConfig
metadata: {name: w}
spec:
  webhooks:
    - type: sh.keptn.event.test.triggered
      requests: [{url: 'https://x', method: POST}]
"""


def store() -> FakeConfigStore:
    config = FakeConfigStore()
    config.create_project(
        project_record("shop", ("dev",)),
        "t",
    )
    return config


def event(commit: str | None, n: int = 1) -> KeptnEvent:
    return KeptnEvent(
        id=f"e{n}",
        source="shipyard-controller",
        type="sh.keptn.event.test.triggered",
        time="2026-05-02T10:00:00.000Z",
        shkeptncontext="c",
        gitcommitid=commit,
        data={"project": "shop", "stage": "dev", "service": "cart"},
    )


def test_files_are_read_at_the_events_commit_once_per_process() -> None:
    config, bus, files = store(), FakeBus(), WebhookFiles()
    before = config.put_resources(SERVICE, [("other.txt", b"x")], "t", "m").id
    with_hook = config.put_resources(
        SERVICE, [("webhook/webhook.yaml", HOOK.encode())], "t", "m"
    ).id
    pinned = files.for_event(event(before), config, bus, "now")
    assert [f.config is None for f in pinned] == [True, True, True]
    assert files.reads == 3
    assert files.for_event(event(before, 2), config, bus, "now") == pinned
    assert files.reads == 3  # the same scope and commit: nothing read again
    current = files.for_event(event(with_hook), config, bus, "now")
    assert current[0].scope == "service"
    assert current[0].config is not None
    assert files.reads == 6
    latest = files.for_event(event(None), config, bus, "now")  # the project's newest commit
    assert latest[0].config is not None
    assert files.reads == 7  # one read for the newest commit, the files were cached


def test_a_broken_file_is_skipped_and_reported_once_per_commit() -> None:
    config, bus, files = store(), FakeBus(), WebhookFiles()
    commit = config.put_resources(STAGE, [("webhook/webhook.yaml", b"kind: [")], "t", "m").id
    found = files.for_event(event(commit), config, bus, "now")
    assert [f.config for f in found] == [None, None, None]
    [report] = bus.published
    assert report.type == "sh.keptn.log.error"
    assert report.data["stage"] == "dev"
    assert (
        f"webhook/webhook.yaml of project 'shop', stage 'dev' at commit {commit}"
        in (report.data["message"])
    )
    again = WebhookFiles().for_event(event(commit, 2), config, bus, "now")  # another process
    assert again == found
    assert bus.published[1].id == report.id  # the same report: stored once


def test_events_without_a_scope_read_nothing() -> None:
    files = WebhookFiles()
    bare = event(None).model_copy(update={"data": {"project": "shop"}})
    assert files.for_event(bare, store(), FakeBus(), "now") == ()
    assert files.reads == 0
