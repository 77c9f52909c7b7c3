"""A harness for sequence flows on moto: a project, triggers, and a tool that answers tasks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from chalice.test import Client

from app import app
from chalicelib.bootstrap import build_aws_container, use_container
from chalicelib.services.auth import issue_token
from chalicelib.settings import Settings
from tests.integration.api_helpers import Api, b64
from tests.integration.conftest import STAGE, deliver_all

TOOL = "test-tool"


class Harness:
    def __init__(self, api: Api) -> None:
        self.api = api
        self._answers = 0

    def create_project(self, shipyard: str, services: tuple[str, ...] = ("cart",)) -> None:
        status, body = self.api.call(
            "POST", "/v1/project", {"name": "shop", "shipyard": b64(shipyard)}
        )
        assert status == 201, body
        for service in services:
            assert (
                self.api.call("POST", "/v1/project/shop/service", {"serviceName": service})[0]
                == 200
            )

    def trigger(self, stage: str, sequence: str, service: str = "cart", **extra: Any) -> str:
        event = {
            "specversion": "1.0",
            "source": "ci",
            "type": f"sh.keptn.event.{stage}.{sequence}.triggered",
            "data": {
                "project": "shop",
                "stage": stage,
                "service": service,
                **extra.pop("data", {}),
            },
            **extra,
        }
        status, body = self.api.call("POST", "/v1/event", event)
        assert status == 200, body
        return str(body["keptnContext"])

    def pump(self, until: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Deliver queued work until `until()` is truthy (state machines run on their own
        threads in moto, so work keeps arriving for a moment)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            deliver_all()
            found = until()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"condition not reached within {timeout} s")

    def settle(self, seconds: float = 0.6) -> None:
        """Keep delivering for a while, to show that nothing more happens."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            deliver_all()
            time.sleep(0.05)

    def events(self, context: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        key = ""
        while True:
            status, page = self.api.call(
                "GET",
                f"/v1/event?keptnContext={context}&pageSize=100"
                + (f"&nextPageKey={key}" if key else ""),
            )
            assert status == 200, page
            found.extend(page["events"])
            key = page.get("nextPageKey", "")
            if not key:
                return list(reversed(found))  # oldest first

    def types(self, context: str) -> list[str]:
        return [e["type"].removeprefix("sh.keptn.event.") for e in self.events(context)]

    def triggered(self, context: str, task: str, stage: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events(context)
            if e["type"] == f"sh.keptn.event.{task}.triggered"
            and (stage is None or e["data"]["stage"] == stage)
        ]

    def wait_task(
        self, context: str, task: str, stage: str | None = None, count: int = 1
    ) -> dict[str, Any]:
        """The `count`-th `.triggered` of `task` in `context`, once it is there."""

        def nth() -> dict[str, Any] | None:
            found = self.triggered(context, task, stage)
            return found[count - 1] if len(found) >= count else None

        event: dict[str, Any] = self.pump(nth)
        return event

    def answer(
        self,
        triggered: dict[str, Any],
        result: str = "pass",
        status: str = "succeeded",
        *,
        started: bool = True,
        finished: bool = True,
        source: str = TOOL,
        data: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> None:
        task = triggered["type"].removeprefix("sh.keptn.event.").removesuffix(".triggered")
        scope = {k: triggered["data"][k] for k in ("project", "stage", "service")}
        phases = [
            ("started", {}),
            ("finished", {"result": result, "status": status, **(data or {})}),
        ]
        for phase, extra in phases:
            if (phase == "started" and not started) or (phase == "finished" and not finished):
                continue
            self._answers += 1
            event = {
                "specversion": "1.0",
                "source": source,
                "id": event_id or f"answer-{self._answers}",
                "type": f"sh.keptn.event.{task}.{phase}",
                "shkeptncontext": triggered["shkeptncontext"],
                "triggeredid": triggered["id"],
                "data": {**scope, **extra},
            }
            code, body = self.api.call("POST", "/v1/event", event)
            assert code == 200, body

    def finished(self, context: str, stage: str, sequence: str) -> dict[str, Any] | None:
        wanted = f"sh.keptn.event.{stage}.{sequence}.finished"
        return next((e for e in self.events(context) if e["type"] == wanted), None)

    def wait_finished(self, context: str, stage: str, sequence: str) -> dict[str, Any]:
        found: dict[str, Any] = self.pump(lambda: self.finished(context, stage, sequence))
        return found


@contextmanager
def project_flow(shipyard: str, **settings: Any) -> Iterator[Harness]:
    """A harness on the app with project `shop` (service `cart`) of `shipyard`, the container
    built with `settings` (inside the `aws` fixture's emulated stack)."""
    container = build_aws_container(Settings(stage=STAGE, **settings))
    use_container(container)
    try:
        with Client(app) as client:
            harness = Harness(Api(client, issue_token(container.tokens, "alice")))
            harness.create_project(shipyard)
            yield harness
    finally:
        use_container(None)
