"""Debian's Chromium under Playwright, kept off the network: every request that is not for the
runtime on 127.0.0.1 is refused and recorded, so a test (or the bench) can assert none was made."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def missing_chromium() -> str | None:
    """Why the browser cannot run here, or None."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return "Debian's chromium is not installed: run scripts/install-system-deps.sh"
    return None


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OffNetwork:
    """Lets requests to `origin` through and refuses (and records) any other."""

    origin: str
    refused: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    def __call__(self, route: Route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob") or f"{parsed.scheme}://{parsed.netloc}" == self.origin:
            self.requested.append(url)
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


def new_context(
    browser: Browser, origin: str, **options: object
) -> tuple[BrowserContext, OffNetwork]:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    guard = OffNetwork(origin)
    context.route("**/*", guard)
    return context, guard


def with_token(context: BrowserContext, token: str) -> None:
    """The token as if entered once in this tab (the dialog's own test enters it by hand)."""
    context.add_init_script(f"sessionStorage.setItem('qm-bridge-token', {token!r});")


def with_axe(context: BrowserContext) -> None:
    """axe-core in every page, as an init script: the page's CSP refuses inline scripts, and
    init scripts are not the page's own."""
    context.add_init_script(path=AXE)


def axe_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical violations on the page as it is now."""
    found: list[dict[str, object]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return found
