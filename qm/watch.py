"""Follow a keptn context until its sequences end: print each event as it is stored, then say
how it ended. Used by `--watch` on trigger commands and by `qm get sequences --watch`."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console

from qm.client import ApiClient, CliError

ENDED = {"finished", "timedOut", "aborted"}
COLOURS = {"pass": "green", "warning": "yellow", "fail": "red"}


def _describe(event: dict[str, Any]) -> str:
    data = event.get("data", {})
    kind = event["type"].removeprefix("sh.keptn.event.")
    outcome = ""
    # Only answers and ends carry an outcome; a .triggered repeats the previous task's result.
    if kind.endswith(".finished") and data.get("result"):
        colour = COLOURS.get(data["result"], "white")
        outcome = f" [{colour}]{data['result']}[/{colour}]"
        if data.get("status") and data["status"] != "succeeded":
            outcome += f" ({data['status']})"
    message = f" - {data['message']}" if data.get("message") else ""
    return f"{event['time'][11:19]}  {kind:<36}{outcome}{message}"


def _context_events(client: ApiClient, context: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    key: str | None = None
    while True:
        page = client.get(
            "/v1/event", {"keptnContext": context, "pageSize": 100, "nextPageKey": key}
        )
        found.extend(page["events"])
        key = page.get("nextPageKey")
        if not key:
            return list(reversed(found))


def failed(events: list[dict[str, Any]]) -> bool:
    """A sequence of the context ended in fail, errored or aborted."""
    for event in events:
        parts = event["type"].split(".")
        if len(parts) == 6 and parts[-1] == "finished":
            data = event.get("data", {})
            if data.get("result") == "fail" or data.get("status") in ("errored", "aborted"):
                return True
    return False


def watch(
    client: ApiClient,
    project: str,
    context: str,
    console: Console,
    timeout_s: float,
    poll_s: float = 1.0,
) -> int:
    """Stream the context's events; return the exit code (0 pass/warning, 1 fail)."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s

    def show_new() -> list[dict[str, Any]]:
        events = _context_events(client, context)
        for event in events:
            if event["id"] not in seen:
                seen.add(event["id"])
                console.print(_describe(event), highlight=False)
        return events

    while time.monotonic() < deadline:
        show_new()
        states = client.get(f"/v1/sequence/{project}", {"keptnContext": context})["states"]
        if states and states[0]["state"] in ENDED:
            # Read again: events stored between the listing and the state check count too.
            events = show_new()
            verdict = "failed" if failed(events) else "succeeded"
            colour = "red" if verdict == "failed" else "green"
            console.print(
                f"[bold {colour}]sequence {states[0]['state']}: {verdict}[/bold {colour}]"
            )
            return 1 if verdict == "failed" else 0
        time.sleep(poll_s)
    raise CliError(f"context {context} did not end within {timeout_s:.0f} s (still running)", 3)
