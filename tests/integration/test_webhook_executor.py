"""The webhook executor against real HTTP receivers on 127.0.0.1 (pytest-httpserver), fed
with Keptn's own webhook test events: templating, requests in order, a failure in the middle,
sendFinished both ways, secrets masked, curl lines, refused options, timeouts, retries,
redirects and redeliveries. 127.0.0.1 is reachable only through the explicit allow setting."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from chalicelib.domain.address_guard import GuardPolicy
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.secrets import Secret
from chalicelib.services.webhooks.common import WebhookDeps
from chalicelib.services.webhooks.executor import on_event
from chalicelib.settings import Settings
from tests.fakes import FakeBus, FakeConfigStore
from tests.fakes_webhooks import MemorySecrets, project_record, webhook_deps

SCOPE = ResourceScope(project="myproject", stage="mystage", service="myservice")
TOKEN = "tok-9f8e7d6c5b4a"


def keptn_event(reference_dir: Path, name: str, **changes: Any) -> KeptnEvent:
    """One of Keptn's webhook test events, with the id and time the API would give it."""
    raw = json.loads((reference_dir / "keptn-events" / name).read_text())
    raw.pop("contenttype", None)
    return KeptnEvent.model_validate(
        {"id": "7a3c9d2e-0000-4000-8000-00000000000a", "time": "2026-05-02T10:00:00.000Z"}
        | raw
        | changes
    )


def deps_with(config: FakeConfigStore, **options: Any) -> WebhookDeps:
    allow, _ = Settings(webhook_allow="127.0.0.1/32").webhook_lists()
    return webhook_deps(
        config=config,
        allow=allow,
        secrets=MemorySecrets(
            Secret(name="ci", scope="keptn-webhook-service", data={"token": TOKEN})
        ),
        **options,
    )


def project_with(webhook_yaml: str) -> FakeConfigStore:
    config = FakeConfigStore()
    config.create_project(
        project_record("myproject", ("mystage",)),
        "test",
    )
    config.put_resources(SCOPE, [("webhook/webhook.yaml", webhook_yaml.encode())], "test", "add")
    return config


def beta(hooks: str) -> str:
    return (
        "apiVersion: webhookconfig.keptn.sh/v1beta1\nkind: WebhookConfig\n"
        "metadata: {name: webhook-configuration}\nspec:\n  webhooks:\n" + hooks
    )


def published(deps: WebhookDeps) -> list[tuple[str, dict[str, Any]]]:
    bus = deps.bus
    assert isinstance(bus, FakeBus)
    return [(event.type, event.data) for event in bus.published]


PAYLOAD = '{"context": "{{.shkeptncontext}}", "triggeredid": "{{.id}}", "stage": "{{.data.stage}}"}'


def two_requests(url: str, send_finished: bool) -> str:
    return beta(
        f"""    - type: sh.keptn.event.webhook.triggered
      subscriptionID: my-subscription-id
      sendFinished: {str(send_finished).lower()}
      envFrom:
        - name: ciToken
          secretRef: {{name: ci, key: token}}
      requests:
        - url: {url}/build/{{{{.data.project}}}}
          method: POST
          headers:
            - key: Content-Type
              value: application/json
          payload: '{PAYLOAD}'
        - url: {url}/status
          method: GET
          headers:
            - key: Authorization
              value: Bearer {{{{.env.ciToken}}}}
"""
    )


def test_requests_run_in_order_rendered_and_one_finished_carries_the_responses(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    httpserver.expect_ordered_request(
        "/build/myproject",
        method="POST",
        json={
            "context": "f90c939d-8803-4e73-9720-9c969e9d2b46",
            "triggeredid": "7a3c9d2e-0000-4000-8000-00000000000a",
            "stage": "mystage",
        },
    ).respond_with_json({"queued": 12})
    httpserver.expect_ordered_request(
        "/status", method="GET", headers={"Authorization": f"Bearer {TOKEN}"}
    ).respond_with_data("running")
    deps = deps_with(project_with(two_requests(httpserver.url_for("").rstrip("/"), True)))

    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)

    httpserver.check_assertions()
    assert published(deps) == [
        (
            "sh.keptn.event.webhook.started",
            {"project": "myproject", "stage": "mystage", "service": "myservice"},
        ),
        (
            "sh.keptn.event.webhook.finished",
            {
                "project": "myproject",
                "stage": "mystage",
                "service": "myservice",
                "status": "succeeded",
                "result": "pass",
                "webhook": {"responses": [{"queued": 12}, "running"]},
            },
        ),
    ]
    started, finished = deps.bus.published  # type: ignore[attr-defined]
    assert started.triggeredid == finished.triggeredid == "7a3c9d2e-0000-4000-8000-00000000000a"
    assert started.source == finished.source == "webhook-service"


def test_send_finished_false_sends_a_started_per_request_and_leaves_finished_to_receivers(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    httpserver.expect_request("/build/myproject").respond_with_data("ok")
    httpserver.expect_request("/status").respond_with_data("ok")
    deps = deps_with(project_with(two_requests(httpserver.url_for("").rstrip("/"), False)))

    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)

    assert [kind for kind, _ in published(deps)] == ["sh.keptn.event.webhook.started"] * 2
    assert len(httpserver.log) == 2


def three_requests(url: str, send_finished: bool) -> str:
    lines = "".join(f"        - url: {url}/step{n}\n          method: POST\n" for n in (1, 2, 3))
    return beta(
        "    - type: sh.keptn.event.webhook.triggered\n"
        f"      sendFinished: {str(send_finished).lower()}\n      requests:\n" + lines
    )


@pytest.mark.parametrize("send_finished", [True, False])
def test_a_failure_in_the_middle_stops_and_fails_the_task_as_keptn_counts(
    httpserver: HTTPServer, reference_dir: Path, send_finished: bool
) -> None:
    httpserver.expect_ordered_request("/step1").respond_with_data("one")
    httpserver.expect_ordered_request("/step2").respond_with_data("broken", status=500)
    deps = deps_with(
        project_with(three_requests(httpserver.url_for("").rstrip("/"), send_finished))
    )
    # Without a subscription id the entry runs for its type (the migration rule).
    event = keptn_event(
        reference_dir, "webhook-service-test-webhook.triggered-no-subscription-id.json"
    )

    on_event(event, deps)

    assert [entry[0].path for entry in httpserver.log] == ["/step1", "/step2"]  # never step3
    kinds = [kind for kind, _ in published(deps)]
    finished = [data for kind, data in published(deps) if kind.endswith(".finished")]
    if send_finished:
        assert kinds == ["sh.keptn.event.webhook.started", "sh.keptn.event.webhook.finished"]
    else:  # one started per request; the failed and the unsent requests are finished here
        assert kinds.count("sh.keptn.event.webhook.started") == 3
        assert len(finished) == 2
    for data in finished:
        assert (data["result"], data["status"]) == ("fail", "errored")
        assert "request 2: POST" in data["message"]
        assert "answered HTTP 500: broken" in data["message"]


def test_secret_values_are_masked_in_messages_and_logs(
    httpserver: HTTPServer, reference_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(f"/hook/{TOKEN}").respond_with_data(f"bad token {TOKEN}", status=403)
    url = httpserver.url_for("").rstrip("/")
    hook = beta(
        "    - type: sh.keptn.event.webhook.triggered\n      sendFinished: true\n"
        "      envFrom:\n        - {name: t, secretRef: {name: ci, key: token}}\n"
        f"      requests:\n        - url: {url}/hook/{{{{.env.t}}}}\n          method: POST\n"
    )
    deps = deps_with(project_with(hook))
    with caplog.at_level(logging.DEBUG):
        on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)

    message = published(deps)[-1][1]["message"]
    assert "/hook/***" in message
    assert "bad token ***" in message
    assert TOKEN not in message
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    assert ours  # the failure was logged
    assert not [line for line in ours if TOKEN in line]  # werkzeug is the receiver's log
    assert httpserver.log[0][0].path == f"/hook/{TOKEN}"  # the receiver did get the value


def test_a_missing_secret_fails_the_task_naming_it(reference_dir: Path) -> None:
    hook = beta(
        "    - type: sh.keptn.event.webhook.triggered\n      sendFinished: true\n"
        "      envFrom:\n        - {name: t, secretRef: {name: jenkins, key: token}}\n"
        "      requests:\n        - url: http://127.0.0.1:1/x\n          method: POST\n"
    )
    deps = deps_with(project_with(hook))
    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)
    message = published(deps)[-1][1]["message"]
    assert "secret 'jenkins' (envFrom 't') does not exist in scope keptn-webhook-service" in message


def alpha(*lines: str) -> str:
    requests = "".join(f"        - {json.dumps(line)}\n" for line in lines)
    return (
        "apiVersion: webhookconfig.keptn.sh/v1alpha1\nkind: WebhookConfig\n"
        "metadata: {name: webhook-configuration}\nspec:\n  webhooks:\n"
        "    - type: sh.keptn.event.webhook.triggered\n      subscriptionID: my-subscription-id\n"
        "      sendFinished: true\n      requests:\n" + requests
    )


def test_curl_lines_are_parsed_rendered_word_by_word_and_sent(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    httpserver.expect_request(
        "/alpha",
        method="PUT",
        json={"p": "myproject", "svc": "myservice"},
        headers={"X-Context": "f90c939d-8803-4e73-9720-9c969e9d2b46"},
    ).respond_with_json({"done": True})
    url = httpserver.url_for("/alpha")
    deps = deps_with(
        project_with(
            alpha(
                "curl -sS -X PUT -H 'Content-Type: application/json' "
                "-H 'X-Context: {{.shkeptncontext}}' "
                """--data '{"p": "{{.data.project}}", "svc": "{{index .data "service"}}"}' """ + url
            )
        )
    )

    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)

    httpserver.check_assertions()
    assert published(deps)[-1][1]["webhook"] == {"responses": [{"done": True}]}


def test_a_refused_curl_option_is_named_and_nothing_is_sent(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    deps = deps_with(project_with(alpha(f"curl -k {httpserver.url_for('/x')}")))
    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)
    assert httpserver.log == []
    finished = published(deps)[-1][1]
    assert finished["status"] == "errored"
    assert (
        "curl option -k is refused: it would skip TLS certificate verification"
        in finished["message"]
    )


def test_a_receiver_that_does_not_answer_in_time_fails_the_request_once(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    deps = deps_with(project_with(alpha(f"curl --max-time 0.5 {httpserver.url_for('/slow')}")))
    started = time.monotonic()
    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)
    assert time.monotonic() - started < 1.4
    assert "did not answer in time" in published(deps)[-1][1]["message"]
    time.sleep(1.2)  # let the server finish; a request that may have arrived is not repeated
    assert len(httpserver.log) == 1


def test_503_is_retried_and_then_succeeds(httpserver: HTTPServer, reference_dir: Path) -> None:
    httpserver.expect_ordered_request("/busy").respond_with_data("wait", status=503)
    httpserver.expect_ordered_request("/busy").respond_with_data("fine")
    deps = deps_with(project_with(alpha(f"curl {httpserver.url_for('/busy')}")))
    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)
    assert published(deps)[-1][1]["webhook"] == {"responses": ["fine"]}
    assert len(httpserver.log) == 2


def test_a_redirect_to_the_metadata_address_is_refused_after_the_first_hop(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    httpserver.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    deps = deps_with(project_with(alpha(f"curl -L {httpserver.url_for('/go')}")))
    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)
    message = published(deps)[-1][1]["message"]
    assert "169.254.169.254 is in a refused range: cloud metadata service" in message


def test_without_the_allow_setting_loopback_is_refused(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    config = project_with(alpha(f"curl {httpserver.url_for('/x')}"))
    deps = webhook_deps(config=config)
    assert deps.policy == GuardPolicy()
    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json"), deps)
    assert httpserver.log == []
    assert (
        "127.0.0.1 is in a refused range: loopback (127.0.0.0/8)"
        in published(deps)[-1][1]["message"]
    )


def test_started_and_finished_subscriptions_call_out_and_send_nothing_back(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    httpserver.expect_request("/seen").respond_with_data("ok")
    hook = beta(
        "    - type: sh.keptn.event.webhook.finished\n      subscriptionID: my-subscription-id\n"
        f"      sendFinished: true\n      requests:\n        - url: {httpserver.url_for('/seen')}\n"
        "          method: POST\n"
    )
    deps = deps_with(project_with(hook))
    on_event(keptn_event(reference_dir, "webhook-service-test-webhook.finished.json"), deps)
    assert len(httpserver.log) == 1
    assert published(deps) == []


def test_an_event_no_entry_matches_sends_nothing(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    deps = deps_with(project_with(alpha(f"curl {httpserver.url_for('/x')}")))
    event = keptn_event(
        reference_dir,
        "webhook-service-test-webhook.triggered-0.json",
        type="sh.keptn.event.test.triggered",
    )
    event.data["temporaryData"]["distributor"]["subscriptionID"] = "someone-else"
    assert on_event(event, deps) == []
    assert httpserver.log == []
    assert published(deps) == []


def test_a_redelivery_sends_no_request_again_and_the_same_answers(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    httpserver.expect_request("/build/myproject").respond_with_data("ok")
    httpserver.expect_request("/status").respond_with_data("ok")
    deps = deps_with(project_with(two_requests(httpserver.url_for("").rstrip("/"), True)))
    event = keptn_event(reference_dir, "webhook-service-test-webhook.triggered-0.json")
    on_event(event, deps)
    first = [(e.id, e.type, e.data) for e in deps.bus.published]  # type: ignore[attr-defined]
    deps.bus.published.clear()  # type: ignore[attr-defined]
    on_event(event, deps)
    assert len(httpserver.log) == 2
    assert [(e.id, e.type, e.data) for e in deps.bus.published] == first  # type: ignore[attr-defined]


def test_keptns_invalid_event_without_a_scope_runs_nothing(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    deps = deps_with(project_with(alpha(f"curl {httpserver.url_for('/x')}")))
    # It has no project, stage, service or keptn context: the API would give it a context.
    invalid = keptn_event(
        reference_dir, "webhook-service-invalid-event.json", shkeptncontext="a-context"
    )
    assert on_event(invalid, deps) == []
    assert httpserver.log == []
    assert published(deps) == []


def test_with_two_entries_on_one_task_both_start_before_either_finishes(
    httpserver: HTTPServer, reference_dir: Path
) -> None:
    httpserver.expect_request("/a").respond_with_data("a")
    httpserver.expect_request("/b").respond_with_data("b")
    entries = "".join(
        "    - type: sh.keptn.event.webhook.triggered\n      sendFinished: true\n"
        f"      requests:\n        - url: {httpserver.url_for(path)}\n          method: POST\n"
        for path in ("/a", "/b")
    )
    deps = deps_with(project_with(beta(entries)))
    on_event(
        keptn_event(
            reference_dir, "webhook-service-test-webhook.triggered-no-subscription-id.json"
        ),
        deps,
    )
    assert [kind.rsplit(".", 1)[1] for kind, _ in published(deps)] == [
        "started", "started", "finished", "finished"
    ]  # fmt: skip
    assert [data["webhook"]["responses"] for _, data in published(deps)[2:]] == [["a"], ["b"]]
