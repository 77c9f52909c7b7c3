"""One embedded runtime and one Chromium for the whole browser suite, with the data the views
show made once (tests/browser/seed.py); each test gets a fresh browser context (its own tab and
sessionStorage) that may only reach the runtime, and leaves screenshots under out/bridge/."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browser import seed, storefront
from tests.browser.chromium import (
    OffNetwork,
    axe_violations,
    chromium,
    missing_chromium,
    new_context,
    with_axe,
    with_token,
)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "bridge"
pytestmark = pytest.mark.browser


@dataclass
class Runtime:
    endpoint: str
    token: str
    api: httpx.Client
    env: dict[str, str]
    delivery_context: str = ""
    build_contexts: tuple[str, ...] = ()
    hold_contexts: tuple[str, str] = ("", "")
    rollouts: storefront.Storefront | None = None  # the blue/green project's

    @property
    def bridge(self) -> str:
        return f"{self.endpoint}/bridge/"


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    reason = missing_chromium()
    if reason:
        pytest.fail(reason)  # CI installs it: a missing browser is a broken setup, not a skip
    home = tmp_path_factory.mktemp("qm-bridge-home")
    env = {**os.environ, "QM_HOME": str(home)}
    for name in ("QM_ENDPOINT", "QM_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    qm = str(Path(sys.executable).with_name("qm"))
    up = subprocess.run([qm, "local", "up"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stdout + up.stderr
    import json

    state = json.loads((home / "local" / "state.json").read_text())
    api = httpx.Client(base_url=state["endpoint"], headers={"x-token": state["token"]}, timeout=30)
    tool = None
    try:
        found = Runtime(state["endpoint"], state["token"], api, env)
        _seed(found, state, env)
        # The sample tool answers the delivery's stages; storefront's are the integration's.
        tool = subprocess.Popen(
            [sys.executable, "-m", "qm.local.sample_tool", "--stages", "dev,staging,production"],
            env=env,
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert tool.stdout is not None
        assert "answering" in tool.stdout.readline()
        found.delivery_context = seed.trigger_delivery(
            api, "docker.io/keptnexamples/carts:0.13.3", "1.4.2"
        )
        seed.wait_for("the production approval", lambda: seed.open_approvals(api), timeout=120)
        yield found
    finally:
        if tool is not None:
            tool.terminate()
            tool.wait(timeout=10)
        api.close()
        subprocess.run([qm, "local", "down"], env=env, capture_output=True, text=True, timeout=60)


def _seed(found: Runtime, state: dict[str, str], env: dict[str, str]) -> None:
    from qm.local.control import emulator_client

    seed.create_delivery_project(found.api)
    cloudwatch = emulator_client(state, "cloudwatch")
    found.build_contexts = tuple(seed.evaluate_builds(found.api, cloudwatch))
    # The same service's gate in dev, to compare two stages.
    seed.evaluate_builds(found.api, cloudwatch, "dev", (("2.0.1", 280.0, 0.1),))
    found.hold_contexts = seed.create_hold_project(found.api)
    found.rollouts = storefront.create(found.api)
    seed.put_current_metrics(cloudwatch)


@pytest.fixture(scope="session")
def browser(runtime: Runtime) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class Tab:
    page: Page
    guard: OffNetwork
    runtime: Runtime

    def open(self, fragment: str = "") -> Page:
        self.page.goto(self.runtime.bridge + fragment)
        return self.page

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _tab(browser: Browser, runtime: Runtime, token: bool, **options: object) -> Iterator[Tab]:
    context, guard = new_context(browser, runtime.endpoint, **options)
    with_axe(context)
    if token:
        with_token(context, runtime.token)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: _console(message.type, message.text, errors))
    try:
        yield Tab(page, guard, runtime)
    finally:
        context.close()
    assert guard.refused == [], f"requests to other hosts than the runtime: {guard.refused}"
    assert errors == [], f"errors in the page: {errors}"


# The browser reports every answer with an error status (a refused token, a path this
# installation does not serve yet) on the console; the views handle those, so they do not count.
_ANSWERED = "Failed to load resource: the server responded with a status of"


def _console(kind: str, text: str, errors: list[str]) -> None:
    if kind == "error" and not text.startswith(_ANSWERED):
        errors.append(text)


@pytest.fixture
def tab(browser: Browser, runtime: Runtime) -> Iterator[Tab]:
    """A desktop tab (1280x800) with the token already entered."""
    yield from _tab(browser, runtime, True, viewport={"width": 1280, "height": 800})


@pytest.fixture
def bare_tab(browser: Browser, runtime: Runtime) -> Iterator[Tab]:
    """A desktop tab where nobody has entered a token yet."""
    yield from _tab(browser, runtime, False, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone_tab(browser: Browser, runtime: Runtime) -> Iterator[Tab]:
    yield from _tab(
        browser,
        runtime,
        True,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )


# Serious and critical axe-core violations per view, printed at the end of the session.
AXE_COUNTS: dict[str, int] = {}


def check_accessibility(tab: Tab, view: str) -> None:
    """Zero serious or critical axe-core violations on the view as it is now; a screenshot."""
    found = axe_violations(tab.page)
    AXE_COUNTS[view] = len(found)
    tab.shot(view)
    assert found == [], f"{view}: {found}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not AXE_COUNTS:
        return
    terminalreporter.write_sep("-", "axe-core: serious and critical violations per view")
    for view, count in sorted(AXE_COUNTS.items()):
        terminalreporter.write_line(f"{view:40} {count}")
    terminalreporter.write_line(f"screenshots: {SHOTS}")
