"""The integrations view against the uniform API: what the seeded delivery's uniform
subscribes, a registered integration with its heartbeat and its error (tests/browser/
storefront.py), and an installation without the uniform API."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser import seed, storefront
from tests.browser.conftest import Runtime, Tab, check_accessibility


def _subscription_rows(state: dict[str, Any], project: str) -> list[str]:
    """The rows the subscriptions table should have: the uniform's, and the registered
    integrations' that reach the project."""
    return [
        f"{s['owner']}|{s['event']}|{s['kind']}"
        for s in state["subscriptions"]
        if s["origin"] == "uniform"
        or project in s["filter"]["projects"]
        or not s["filter"]["projects"]
    ]


def _shown_rows(page: Page, count: int) -> list[str]:
    rows = page.locator("table.subscriptions tbody tr")
    expect(rows).to_have_count(count)
    return [
        f"{row.get_attribute('data-owner')}|{row.get_attribute('data-event')}|"
        f"{row.locator('td').nth(1).inner_text()}"
        for row in rows.all()
    ]


def test_integrations_show_what_the_uniform_subscribes_and_that_every_task_has_an_executor(
    tab: Tab, runtime: Runtime
) -> None:
    state = runtime.api.get(f"/v1/project/{seed.DELIVERY}/uniform").json()
    page = tab.open(f"#/project/{seed.DELIVERY}/integration")
    expected = _subscription_rows(state, seed.DELIVERY)
    assert len(expected) == 4  # the sample tool's four events; storefront's integration not
    assert _shown_rows(page, 4) == expected
    rows = page.locator("table.subscriptions tbody tr")
    test = rows.filter(has=page.locator("code", has_text="test.triggered"))
    expect(test.locator("td").nth(3)).to_have_text("stage In dev, staging")
    expect(test.locator("td").nth(4)).to_have_text("it polls the API")
    expect(page.locator(".applied")).to_contain_text(f"commit {state['applied']['commitID']}")
    expect(page.locator(".applied .badge")).to_have_text("applied")
    expect(page.locator(".covered")).to_have_text("Every task of the shipyard has an executor.")
    expect(page.locator(".state.empty").first).to_have_text(
        "No integration has registered for this project."
    )
    expect(page.locator(".state.unavailable")).to_have_count(0)
    check_accessibility(tab, "integrations")


def test_integrations_show_a_registered_integration_when_it_was_last_seen_and_its_error(
    tab: Tab, runtime: Runtime
) -> None:
    assert runtime.rollouts is not None
    integration_id = runtime.rollouts.integration_id
    (registered,) = runtime.api.get(
        "/v1/uniform/registration", params={"project": storefront.PROJECT}
    ).json()
    state = runtime.api.get(f"/v1/project/{storefront.PROJECT}/uniform").json()
    page = tab.open(f"#/project/{storefront.PROJECT}/integration")
    # Who carries out what: the uniform's command and the integration's subscriptions.
    expected = _subscription_rows(state, storefront.PROJECT)
    assert len(expected) == 3  # the notifier, and the integration's deployment and release
    assert _shown_rows(page, 3) == expected
    notifier = page.locator('table.subscriptions tr[data-owner="notifier"]')
    expect(notifier.locator("td").nth(1)).to_have_text("process")
    expect(notifier.locator("td").nth(4)).to_have_text("rule on the bus")
    expect(page.locator(".uncovered li")).to_have_text(["no executor " + state["uncovered"][0]])
    # The registration: name, version, host, location, last seen (its heartbeat), subscriptions.
    row = page.locator(f'table.integrations tr[data-integration="{integration_id}"]')
    expect(row.locator("th")).to_have_text(storefront.INTEGRATION)
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text("1.0.3")
    expect(cells.nth(1)).to_have_text("deploy-runner-2 (namespace storefront-tools)")
    expect(cells.nth(2)).to_have_text("remote-execution-plane")
    last_seen = cells.nth(3).locator("time")
    expect(last_seen).to_have_attribute("datetime", registered["metadata"]["lastseen"])
    expect(last_seen).to_have_text(re.compile(r"^(just now|\d+ min ago)$"))
    expect(cells.nth(4).locator("li")).to_have_text(["deployment.triggered", "release.triggered"])
    expect(cells.nth(5)).to_have_text("1")
    # Its error, linked to the run it was about.
    (logged,) = runtime.api.get("/v1/log", params={"integrationId": integration_id}).json()["logs"]
    entry = page.locator(f'.error-log li[data-integration="{integration_id}"]')
    expect(entry).to_have_count(1)
    expect(entry.locator(".message")).to_have_text(storefront.HELD)
    expect(entry.locator("code")).to_have_text("release")
    expect(entry.locator("time")).to_have_attribute("datetime", logged["time"])
    held = runtime.rollouts.contexts[-1]
    expect(entry.locator("a")).to_have_attribute(
        "href", f"#/project/{storefront.PROJECT}/sequence/{held}"
    )
    check_accessibility(tab, "integrations-registered")


def test_integrations_on_an_installation_without_the_uniform_api_say_so(tab: Tab) -> None:
    def not_served(route: Route) -> None:
        path = route.request.url.split("?")[0]
        message = f"no route for GET {path}; docs/api.md lists the routes"
        route.fulfill(status=404, json={"code": 404, "message": message})

    tab.page.route(
        re.compile(r".*/v1/(project/[^/]+/uniform|uniform/registration)(\?.*)?$"), not_served
    )
    page = tab.open(f"#/project/{seed.DELIVERY}/integration")
    expect(page.locator(".state.unavailable")).to_have_text(
        [
            "The uniform API: not yet available on this installation.",
            "Registered integrations: not yet available on this installation.",
            "The integrations' error log: not yet available on this installation.",
        ]
    )
