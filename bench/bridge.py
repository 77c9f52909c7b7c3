"""The Bridge's first view: bytes transferred, and time to the environment being drawn.

Starts the embedded runtime in a temporary home, creates a project of 20 services in 4 stages
with a quality gate run for each service in each stage (80 runs), then in Debian's Chromium
(headless, kept off the network):

* bytes transferred for the first view (the environment, cold cache), by resource kind, from
  the browser's own accounting (CDP `encodedDataLength`: headers and compressed bodies);
  the target is under 500 KB;
* time from navigation to the environment drawn (all 80 service cards on screen) and to it being
  complete (the runs read and shown in the cards), each as a ratio to loading a minimal document
  (the Bridge's 200-byte icon) from the same server in the same browser, with the part of it
  the sequence listing's answer took; medians of alternating cold runs, each in a fresh browser
  context;
* that no request went to any host but the runtime.

    python bench/bridge.py [--runs 7]

Exit code 1 when the first view is 500 KB or more, or a request left the runtime.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGES = ("dev", "staging", "canary", "production")
SERVICES = 20
PROJECT = "bench"
BUDGET = 500 * 1024


def _shipyard() -> str:
    stages = "".join(
        f"    - name: {stage}\n      sequences:\n        - name: delivery\n"
        "          tasks:\n            - name: deployment\n"
        for stage in STAGES
    )
    return (
        "apiVersion: spec.keptn.sh/0.2.3\nkind: Shipyard\nmetadata: {name: bench}\n"
        f"spec:\n  stages:\n{stages}"
    )


def seed(api: Any) -> None:
    shipyard = base64.b64encode(_shipyard().encode()).decode()
    api.post("/v1/project", json={"name": PROJECT, "shipyard": shipyard}).raise_for_status()
    services = [f"service-{n:02d}" for n in range(SERVICES)]
    for service in services:
        api.post(f"/v1/project/{PROJECT}/service", json={"serviceName": service}).raise_for_status()
    # No SLI provider is configured: each gate passes at once, as Keptn's lighthouse does.
    for stage in STAGES:
        for service in services:
            path = f"/v1/project/{PROJECT}/stage/{stage}/service/{service}/evaluation"
            api.post(path, json={"timeframe": "5m"}).raise_for_status()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        states = api.get(f"/v1/sequence/{PROJECT}", params={"pageSize": 50}).json()["states"]
        if len(states) == 50 and all(state["state"] == "finished" for state in states):
            return
        time.sleep(1)
    raise SystemExit("the 80 quality gates did not finish within 240 s")


def first_view(browser: Any, endpoint: str, token: str) -> dict[str, Any]:
    """One cold load of the environment: its bytes by kind, its time, the requests refused."""
    from tests.browser.chromium import new_context, with_token

    context, guard = new_context(browser, endpoint, viewport={"width": 1280, "height": 800})
    with_token(context, token)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    kinds: dict[str, str] = {}
    sizes: dict[str, float] = defaultdict(float)
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], sizes[e["requestId"]] + e["encodedDataLength"]),
    )
    page.goto(f"{endpoint}/bridge/#/project/{PROJECT}")
    page.locator(".service-card").nth(SERVICES * len(STAGES) - 1).wait_for(timeout=60_000)
    drawn = page.evaluate("performance.now()")
    page.locator(".environment[data-complete=true]").wait_for(timeout=60_000)
    complete = page.evaluate("performance.now()")
    runs_answer = page.evaluate(
        """() => performance.getEntriesByType('resource')
                .filter(entry => entry.name.includes('/v1/sequence/'))
                .map(entry => entry.responseEnd - entry.requestStart)[0] || 0"""
    )
    page.wait_for_load_state("networkidle")
    by_kind: dict[str, float] = defaultdict(float)
    for request, size in sizes.items():
        by_kind[kinds.get(request, "Other")] += size
    context.close()
    return {
        "drawn": drawn,
        "complete": complete,
        "runs_answer": runs_answer,
        "bytes": sum(sizes.values()),
        "by_kind": by_kind,
        "refused": guard.refused,
    }


def blank(browser: Any, endpoint: str) -> float:
    from tests.browser.chromium import new_context

    context, _ = new_context(browser, endpoint)
    page = context.new_page()
    page.goto(f"{endpoint}/bridge/icon.svg")
    loaded = float(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
    context.close()
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    import httpx

    from tests.browser.chromium import chromium, missing_chromium

    reason = missing_chromium()
    if reason:
        raise SystemExit(reason)
    os.environ["QM_HOME"] = tempfile.mkdtemp(prefix="qm-bench-bridge-")
    from qm.local import control

    state = control.up()
    try:
        api = httpx.Client(
            base_url=state["endpoint"], headers={"x-token": state["token"]}, timeout=30
        )
        print(f"seeding {SERVICES} services x {len(STAGES)} stages, one quality gate each…")
        seed(api)
        views, blanks = [], []
        with chromium() as browser:
            first_view(browser, state["endpoint"], state["token"])  # the server's first reads
            for _ in range(options.runs):
                blanks.append(blank(browser, state["endpoint"]))
                views.append(first_view(browser, state["endpoint"], state["token"]))
    finally:
        control.down()

    drawn_ms = statistics.median(v["drawn"] for v in views)
    view_ms = statistics.median(v["complete"] for v in views)
    runs_ms = statistics.median(v["runs_answer"] for v in views)
    blank_ms = statistics.median(blanks)
    size = statistics.median(v["bytes"] for v in views)
    refused = sorted({url for v in views for url in v["refused"]})
    print(f"\nfirst view (environment, {SERVICES * len(STAGES)} service cards, cold cache):")
    print(f"  transferred         {size / 1024:8.1f} KB  (budget {BUDGET / 1024:.0f} KB)")
    for kind, amount in sorted(views[-1]["by_kind"].items(), key=lambda item: -item[1]):
        print(f"    {kind:17} {amount / 1024:8.1f} KB")
    print(f"  minimal document    {blank_ms:8.1f} ms  (the same server, the same browser)")
    for name, value in (("cards drawn", drawn_ms), ("complete (runs in)", view_ms)):
        print(f"  {name:19} {value:8.1f} ms  {value / blank_ms:6.1f} x the minimal document")
    print(f"    of which the sequence listing's answer {runs_ms:8.1f} ms (GET /v1/sequence)")
    print(f"  medians of {len(views)} cold loads, each in a fresh browser context")
    print(f"  requests elsewhere  {len(refused)}{': ' + ', '.join(refused) if refused else ''}")
    sys.exit(1 if size >= BUDGET or refused else 0)


if __name__ == "__main__":
    main()
