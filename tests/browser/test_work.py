"""What a person does in the Bridge, by clicking, and what the control plane does next:
approve a waiting approval and see the delivery go on, follow a queued run to the one it waits
for and abort that, ignore an evaluation for comparison, and a token that expires."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import Runtime, Tab, check_accessibility


def test_approving_by_click_lets_the_delivery_go_on(tab: Tab, runtime: Runtime) -> None:
    waiting = seed.open_approvals(runtime.api)
    assert len(waiting) == 1
    page = tab.open(f"#/project/{seed.DELIVERY}/approval")
    card = page.locator(f'.approval-card[data-approval="{waiting[0]["id"]}"]')
    expect(card.locator("h3")).to_have_text("carts → production")
    expect(card).to_contain_text("docker.io/keptnexamples/carts:0.13.3")
    expect(card.locator(".evaluation")).to_contain_text("pass")
    expect(card.locator(".config-diff")).to_contain_text("Configuration change")
    check_accessibility(tab, "approvals")
    card.locator("textarea").fill("load test looks fine")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#decision-status")).to_contain_text("Approved by admin")

    # The run goes on by itself: its page follows it live, without a reload.
    page = tab.open(f"#/project/{seed.DELIVERY}/sequence/{runtime.delivery_context}")
    production = page.locator("#stage-production")
    expect(production.locator('li.task[data-task="approval"] .badge')).to_have_text(
        "pass", timeout=30_000
    )
    expect(production.locator('li.task[data-task="release"] .badge')).to_have_text(
        "pass", timeout=60_000
    )
    expect(page.locator(".summary .badge").first).to_have_text("finished", timeout=30_000)
    assert seed.sequence_state(runtime.api, seed.DELIVERY, runtime.delivery_context)["state"] == (
        "finished"
    )

    page = tab.open(f"#/project/{seed.DELIVERY}/approval")
    expect(page.locator(".state.empty").first).to_have_text("No approval is waiting.")
    decided = page.locator("table.history tbody tr").first
    expect(decided).to_contain_text("approve")
    expect(decided).to_contain_text("admin")
    expect(decided).to_contain_text("load test looks fine")
    check_accessibility(tab, "approvals-decided")


def test_a_queued_run_links_to_the_run_it_waits_for_which_is_aborted_by_click(
    tab: Tab, runtime: Runtime
) -> None:
    running, queued = runtime.hold_contexts
    page = tab.open(f"#/project/{seed.HOLD}/sequence/{queued}")
    expect(page.locator(".summary .badge").first).to_have_text("queued")
    blocked = page.locator("#stage-prod .blocked")
    expect(blocked).to_contain_text("Waiting for")
    check_accessibility(tab, "sequence-queued")
    blocked.get_by_role("link").click()
    expect(page).to_have_url(f"{runtime.bridge}#/project/{seed.HOLD}/sequence/{running}/stage/prod")
    task = page.locator('#stage-prod li.task[data-task="manual-check"]')
    expect(task.locator(".executor")).to_have_text("no tool has answered yet")

    page.get_by_role("button", name="Abort").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-ok")).to_be_focused()
    page.locator("#confirm-ok").click()
    expect(page.locator("#control-status")).to_contain_text("abort", ignore_case=True)
    expect(page.locator(".summary .badge").first).to_have_text("aborted", timeout=20_000)
    assert seed.sequence_state(runtime.api, seed.HOLD, running)["state"] == "aborted"
    # The queue moves on: the run that waited starts.
    seed.wait_for(
        "the queued run to start",
        lambda: seed.sequence_state(runtime.api, seed.HOLD, queued)["state"] != "waiting",
        timeout=30,
    )
    page = tab.open(f"#/project/{seed.HOLD}/sequence/{queued}")
    expect(page.locator("#stage-prod .blocked")).to_have_count(0)


def test_ignoring_an_evaluation_for_comparison_greys_it_out(tab: Tab, runtime: Runtime) -> None:
    path = f"/v1/project/{seed.DELIVERY}/stage/dev/service/{seed.SERVICE}/evaluation"
    (evaluation,) = runtime.api.get(path).json()["evaluations"]
    assert not evaluation["invalidated"]
    page = tab.open(
        f"#/project/{seed.DELIVERY}/service/{seed.SERVICE}/stage/dev/evaluation/{evaluation['id']}"
    )
    page.get_by_role("button", name="Ignore for comparison").click()
    page.fill("#confirm-input", "measured against the wrong host")
    page.locator("#confirm-ok").click()
    score = page.locator(f'tr.score-row td[data-evaluation="{evaluation["id"]}"]')
    expect(score).to_have_class("cell pass invalidated selected", timeout=20_000)
    assert runtime.api.get(path).json()["evaluations"][0]["invalidated"] is True
    colour = score.locator("button").evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(227, 227, 227)"  # grey


def test_an_expired_token_says_so_and_asks_again(bare_tab: Tab, runtime: Runtime) -> None:
    created = runtime.api.post("/v1/token", json={"name": "short-lived", "expiresIn": "3s"})
    assert created.status_code == 201, created.text
    page = bare_tab.open(f"#/project/{seed.DELIVERY}")
    page.fill("#token-input", created.json()["token"])
    page.click("#token-form button[type=submit]")
    expect(page.locator(".environment")).to_be_visible()
    expect(page.locator(".who .identity")).to_have_text("short-lived")
    time.sleep(3.5)
    page.get_by_role("link", name="Sequences").click()
    dialog = page.locator("#token-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#token-reason")).to_contain_text("expired")
    check_accessibility(bare_tab, "token-expired")
    page.fill("#token-input", runtime.token)
    page.click("#token-form button[type=submit]")
    expect(page.locator("h1")).to_have_text(f"{seed.DELIVERY}: sequences")


def test_pause_resume_and_skip_by_click(tab: Tab, runtime: Runtime) -> None:
    # The hotfix that waited behind the aborted one now runs, waiting on a task nobody answers.
    _, run = runtime.hold_contexts
    seed.wait_for(
        "its task",
        lambda: seed.sequence_state(runtime.api, seed.HOLD, run)["state"] == "started",
        timeout=30,
    )
    page = tab.open(f"#/project/{seed.HOLD}/sequence/{run}")
    summary = page.locator(".summary .badge").first
    expect(summary).to_have_text("running")
    page.get_by_role("button", name="Pause").click()
    expect(summary).to_have_text("paused", timeout=15_000)
    assert seed.sequence_state(runtime.api, seed.HOLD, run)["state"] == "paused"
    page.get_by_role("button", name="Resume").click()
    expect(summary).to_have_text("running", timeout=15_000)

    page.get_by_role("button", name="Skip task").click()
    page.fill("#confirm-input", "checked by hand")
    page.locator("#confirm-ok").click()
    task = page.locator('#stage-prod li.task[data-task="manual-check"]')
    expect(task.locator(".badge")).to_have_text("pass", timeout=20_000)
    expect(summary).to_have_text("finished", timeout=20_000)
    task.locator("details.events > summary").click()
    expect(task.locator(".event-list")).to_contain_text("manual-check.finished")
    task.locator(".event-list > li").last.locator("summary").click()
    expect(task.locator(".event-list pre").last).to_contain_text(
        "skipped by admin: checked by hand"
    )
