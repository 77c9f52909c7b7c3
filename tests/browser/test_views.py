"""Each view of the Bridge against the embedded runtime after a real delivery, checked against
what the API stores, at 1280x800 and at phone width, with axe-core on every view."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, expect

from tests.browser import seed
from tests.browser.conftest import Runtime, Tab, check_accessibility
from tests.browser.whatruns import expect_what_runs, service_bodies

STAGES = ["dev", "staging", "production"]


def _evaluations(api: httpx.Client, stage: str = seed.STAGE) -> list[dict[str, Any]]:
    path = f"/v1/project/{seed.DELIVERY}/stage/{stage}/service/{seed.SERVICE}/evaluation"
    found: list[dict[str, Any]] = api.get(path, params={"limit": 50}).json()["evaluations"]
    return list(reversed(found))  # oldest first, as the heatmap shows them


def _value(indicator: dict[str, Any]) -> str:
    value = indicator["value"]
    if not value.get("success", True):
        return "n/a"
    number = float(value["value"])
    return str(int(number)) if number.is_integer() else f"{number:.6g}"


def _boxes(found: Locator) -> list[dict[str, float]]:
    """Where each element is, measured at one moment (a live refresh redraws the view)."""
    boxes: list[dict[str, float]] = found.evaluate_all(
        "all => all.map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y}; })"
    )
    return boxes


def test_the_token_is_asked_once_and_kept_for_the_tab(bare_tab: Tab, runtime: Runtime) -> None:
    page = bare_tab.open()
    dialog = page.locator("#token-dialog")
    expect(dialog).to_be_visible()
    page.fill("#token-input", "qm_not-a-token")
    page.click("#token-form button[type=submit]")
    expect(page.locator("#token-error")).to_contain_text("not valid")
    page.fill("#token-input", runtime.token)
    page.click("#token-form button[type=submit]")
    expect(dialog).to_be_hidden()
    expect(page.locator("h1")).to_have_text("Projects")
    expect(page.locator(".who .identity")).to_have_text("admin")
    assert page.evaluate("sessionStorage.getItem('qm-bridge-token')") == runtime.token
    page.reload()
    expect(page.locator("h1")).to_have_text("Projects")
    expect(dialog).to_be_hidden()
    # Never in a URL (nor, so, in a server log or a referrer).
    assert all(runtime.token not in url for url in bare_tab.guard.requested)
    assert runtime.token not in page.url


def test_projects_list_each_project_with_its_stages(tab: Tab) -> None:
    page = tab.open()
    card = page.locator(".projects .card", has=page.get_by_role("link", name=seed.DELIVERY))
    expect(card.locator(".stages .chip")).to_have_text(STAGES)
    expect(
        page.locator(".projects .card", has=page.get_by_role("link", name=seed.HOLD))
    ).to_be_visible()
    check_accessibility(tab, "projects")


def test_environment_shows_stages_in_shipyard_order_with_what_runs_there(
    tab: Tab, runtime: Runtime
) -> None:
    page = tab.open(f"#/project/{seed.DELIVERY}")
    columns = page.locator(".stage-column")
    expect(columns.locator("h2")).to_have_text(STAGES)
    # Side by side at 1280 px, left to right in shipyard order.
    boxes = _boxes(columns)
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]
    bodies = service_bodies(runtime.api, seed.DELIVERY)
    staging = page.locator('.service-card[data-stage="staging"][data-service="carts"]')
    assert bodies["staging"]["deployedImage"] == "docker.io/keptnexamples/carts:0.13.3"
    for stage in STAGES:
        expect_what_runs(page, seed.DELIVERY, stage, bodies[stage])
    latest = _evaluations(runtime.api)[-1]
    expect(staging.locator(".evaluation .badge")).to_have_text(
        f"{latest['evaluation']['score']:.2f}"
    )
    expect(staging.locator(".evaluation .badge")).to_have_class(f"badge score {latest['result']}")
    if seed.open_approvals(runtime.api):
        production = page.locator('.service-card[data-stage="production"]')
        expect(production.locator(".approval")).to_contain_text("1 approval waiting")
        expect(production.locator(".running")).to_contain_text("waiting for approval")
    check_accessibility(tab, "environment")


def test_environment_at_phone_width_stacks_the_stages(phone_tab: Tab) -> None:
    page = phone_tab.open(f"#/project/{seed.DELIVERY}")
    columns = page.locator(".stage-column")
    expect(columns).to_have_count(3)
    first, second, _ = _boxes(columns)
    assert second["y"] > first["y"]
    assert abs(second["x"] - first["x"]) < 1
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    check_accessibility(phone_tab, "environment-phone")


def test_heatmap_colours_and_values_are_the_stored_evaluations(tab: Tab, runtime: Runtime) -> None:
    stored = _evaluations(runtime.api)
    page = tab.open(f"#/project/{seed.DELIVERY}/service/{seed.SERVICE}/stage/{seed.STAGE}")
    heatmap = page.locator("table.heatmap")
    expect(heatmap).to_be_visible()
    labels = [e.get("labels", {}).get("buildId") for e in stored]
    assert labels[:4] == [build for build, *_ in seed.BUILDS]
    expect(heatmap.locator("thead th")).to_have_text(["SLI", *labels])
    results = {e["result"] for e in stored}
    assert {"pass", "fail"} <= results  # the builds were made to differ
    for evaluation in stored:
        score = heatmap.locator(f'tr.score-row td[data-evaluation="{evaluation["id"]}"]')
        expect(score).to_have_attribute("data-result", evaluation["result"])
        expect(score).to_have_text(f"{evaluation['evaluation']['score']:.2f}")
        for indicator in evaluation["evaluation"]["indicatorResults"]:
            sli = indicator["value"]["metric"]
            cell = heatmap.locator(f'tr[data-sli="{sli}"] td[data-evaluation="{evaluation["id"]}"]')
            expect(cell).to_have_attribute("data-result", indicator["status"])
            expect(cell).to_have_text(_value(indicator))
    # The colours are the result's: pass green, warning yellow, fail red, info blue.
    colours = page.evaluate(
        """() => Object.fromEntries(['pass', 'warning', 'fail', 'info'].map(kind => {
            const cell = document.querySelector(`td.cell.${kind}:not(.invalidated) button`);
            return [kind, cell && getComputedStyle(cell).backgroundColor];
        }))"""
    )
    assert colours == {
        "pass": "rgb(205, 235, 211)",
        "warning": "rgb(251, 230, 162)",
        "fail": "rgb(247, 201, 197)",
        "info": "rgb(207, 228, 248)",
    }
    expect(page.locator(".chart[data-drawn=true]")).to_be_visible()
    check_accessibility(tab, "evaluations-heatmap")


def test_a_cell_opens_its_breakdown_by_keyboard(tab: Tab, runtime: Runtime) -> None:
    stored = _evaluations(runtime.api)
    warning_build = next(e for e in stored if e.get("labels", {}).get("buildId") == "2.0.2")
    page = tab.open(f"#/project/{seed.DELIVERY}/service/{seed.SERVICE}/stage/{seed.STAGE}")
    cell = page.locator(
        f'tr[data-sli="response_time_p95"] td[data-evaluation="{warning_build["id"]}"] button'
    )
    cell.focus()
    page.keyboard.press("Enter")
    breakdown = page.locator("#breakdown")
    expect(breakdown.locator("h2")).to_have_text("Evaluation 2.0.2")
    expect(breakdown.locator("h2")).to_be_focused()
    assert warning_build["id"] in page.url  # a deep link to this evaluation
    row = breakdown.locator('tr[data-sli="response_time_p95"]')
    indicator = next(
        i
        for i in warning_build["evaluation"]["indicatorResults"]
        if i["value"]["metric"] == "response_time_p95"
    )
    cells = row.locator("td")
    expect(cells.nth(0)).to_contain_text("700")  # value
    expect(cells.nth(1)).to_have_text(f"{indicator['value']['comparedValue']:g}")
    expect(cells.nth(2)).to_contain_text("<=+10%")  # pass criteria
    expect(cells.nth(2)).to_contain_text("<600")
    expect(cells.nth(3)).to_contain_text("<=800")  # warning criteria
    expect(cells.nth(4)).to_have_text("2")  # weight, from the evaluation's slo.yaml
    expect(cells.nth(5)).to_have_text("no")  # key SLI
    expect(breakdown.locator('tr[data-sli="error_rate"] td').nth(5)).to_have_text("yes")
    expect(breakdown.locator(".summary")).to_contain_text("pass ≥ 90%")
    check_accessibility(tab, "evaluations-breakdown")


def test_compare_two_builds_and_two_stages(tab: Tab, runtime: Runtime) -> None:
    stored = _evaluations(runtime.api)
    first, third = stored[0], stored[2]
    in_dev = _evaluations(runtime.api, "dev")[0]
    page = tab.open(f"#/project/{seed.DELIVERY}/service/{seed.SERVICE}/stage/{seed.STAGE}")
    page.select_option("#compare-left", f"staging:{first['id']}")
    page.focus("#compare-right")  # as a keyboard user changes it
    page.select_option("#compare-right", f"staging:{third['id']}")
    table = page.locator("table.comparison")
    expect(table.locator("thead th")).to_have_text(
        ["SLI", "staging · 2.0.0", "staging · 2.0.2", "Change"]
    )
    expect(table.locator('tr[data-sli="response_time_p95"] td').nth(2)).to_have_text(
        "+400 (+133.3%)"
    )
    expect(page.locator("#compare-right")).to_be_focused()
    page.select_option("#compare-right", f"dev:{in_dev['id']}")
    expect(table.locator("thead th").nth(2)).to_have_text("dev · 2.0.1")
    expect(table.locator('tr[data-sli="response_time_p95"] td').nth(1)).to_contain_text("280")
    check_accessibility(tab, "evaluations-compare")


def test_downloads_the_chart_as_png_and_svg_and_the_data_as_csv(
    tab: Tab, runtime: Runtime, tmp_path: Path
) -> None:
    stored = _evaluations(runtime.api)
    page = tab.open(f"#/project/{seed.DELIVERY}/service/{seed.SERVICE}/stage/{seed.STAGE}")
    expect(page.locator(".chart[data-drawn=true]")).to_be_visible()
    saved = {}
    for kind in ("PNG", "SVG", "CSV"):
        with page.expect_download() as download:
            page.get_by_role("button", name=f"Download {kind}").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        saved[kind] = path
    assert saved["PNG"].name == "sockshop-carts-staging-evaluations.png"
    assert saved["PNG"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = saved["SVG"].read_text()
    assert svg.startswith("<svg")
    assert "2.0.2" in svg
    assert "Response time P95" in svg
    rows = list(csv.DictReader(io.StringIO(saved["CSV"].read_text())))
    assert [row["evaluationId"] for row in rows] == [e["id"] for e in stored]
    assert [row["buildId"] for row in rows][:4] == ["2.0.0", "2.0.1", "2.0.2", "2.0.3"]
    assert [row["response_time_p95"] for row in rows][:4] == ["300", "320", "700", "310"]
    assert [row["result"] for row in rows] == [e["result"] for e in stored]


def test_sequences_list_filters_and_keeps_them_in_the_link(tab: Tab, runtime: Runtime) -> None:
    page = tab.open(f"#/project/{seed.DELIVERY}/sequence")
    rows = page.locator("table.sequences tbody tr")
    expect(rows.first).to_be_visible()
    names = set(rows.locator("td:nth-child(3) a").all_text_contents())
    assert {"delivery", "evaluation"} <= names
    page.focus("#filter-name")
    page.select_option("#filter-name", "delivery")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-context", runtime.delivery_context)
    assert "name=delivery" in page.url
    expect(page.locator("#filter-name")).to_be_focused()
    page.select_option("#filter-stage", "production")
    expect(rows).to_have_count(1)
    page.select_option("#filter-name", "evaluation")
    expect(page.locator(".state.empty")).to_have_text("No sequence matches.")
    page.select_option("#filter-stage", "")
    expect(rows).to_have_count(len(runtime.build_contexts) + 1)  # staging's four and dev's one
    # A finished run is coloured by how it ended: red when a stage failed, green otherwise.
    stored = {
        state["shkeptncontext"]: any(stage.get("latestFailedEvent") for stage in state["stages"])
        for state in runtime.api.get(f"/v1/sequence/{seed.DELIVERY}").json()["states"]
        if state["state"] == "finished"
    }
    assert set(stored.values()) == {True, False}  # the builds were made to differ
    for context, failed in stored.items():
        state_badge = page.locator(f"tr[data-context='{context}'] td:nth-child(4) .badge")
        expect(state_badge).to_have_class(re.compile(r"\bfail\b" if failed else r"\bpass\b"))
    check_accessibility(tab, "sequences")


def test_a_run_shows_each_task_with_state_executor_and_payload(tab: Tab, runtime: Runtime) -> None:
    page = tab.open(f"#/project/{seed.DELIVERY}/sequence/{runtime.delivery_context}")
    staging = page.locator("#stage-staging")
    tasks = staging.locator("li.task")
    expect(tasks.locator(".task-name")).to_have_text(
        ["deployment", "test", "evaluation", "release"]
    )
    deployment = staging.locator('li.task[data-task="deployment"]')
    expect(deployment.locator(".badge")).to_have_text("pass")
    expect(deployment.locator(".executor")).to_have_text("by sample-tool")
    expect(deployment.locator(".duration")).to_contain_text(" s")
    expect(staging.locator('li.task[data-task="evaluation"] .executor')).to_have_text(
        "by lighthouse-service"
    )
    deployment.locator("details.events > summary").click()
    first_event = deployment.locator(".event-list > li").first
    expect(first_event).to_contain_text("deployment.triggered")
    first_event.locator("summary").click()
    payload = first_event.locator("pre")
    expect(payload).to_contain_text('"deploymentstrategy": "blue_green_service"')
    check_accessibility(tab, "sequence")


def test_services_list_each_service_with_its_latest_gate_per_stage(
    tab: Tab, runtime: Runtime
) -> None:
    page = tab.open(f"#/project/{seed.DELIVERY}/service")
    row = page.locator("table.services tbody tr", has=page.get_by_role("link", name=seed.SERVICE))
    latest = _evaluations(runtime.api)[-1]
    staging = row.locator("td").nth(1)
    expect(staging.locator(".badge")).to_have_text(f"{latest['evaluation']['score']:.2f}")
    staging.locator("a").click()
    expect(page.locator(".tabs a[aria-current=page]")).to_have_text("staging")
    check_accessibility(tab, "services")


def test_phone_width_keeps_the_heatmap_and_the_run_inside_the_screen(
    phone_tab: Tab, runtime: Runtime
) -> None:
    for view, fragment, ready in (
        ("evaluations-phone", f"service/{seed.SERVICE}/stage/{seed.STAGE}", "table.heatmap"),
        ("sequence-phone", f"sequence/{runtime.delivery_context}", "#stage-staging"),
        ("approvals-phone", "approval", "h2"),
    ):
        page = phone_tab.open(f"#/project/{seed.DELIVERY}/{fragment}")
        expect(page.locator(ready).first).to_be_visible()
        # Wide tables scroll inside their own region; the page itself never scrolls sideways.
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, view
        check_accessibility(phone_tab, view)
