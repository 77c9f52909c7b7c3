"""What runs where, from the service bodies, with a blue/green candidate staged next to the
version that runs: the environment and the services views against the rollouts of
tests/browser/storefront.py."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import storefront
from tests.browser.conftest import Runtime, Tab, check_accessibility
from tests.browser.whatruns import expect_what_runs, service_bodies


def test_environment_shows_a_staged_candidate_next_to_what_runs_and_what_ran_before(
    tab: Tab, runtime: Runtime
) -> None:
    assert runtime.rollouts is not None
    first, second, held = runtime.rollouts.contexts
    body = service_bodies(runtime.api, storefront.PROJECT, storefront.SERVICE)[storefront.STAGE]
    # The seed's three rollouts, as the service body tells them.
    assert (body["deployedImage"], body["deployment"]["keptnContext"]) == (
        storefront.IMAGES[1],
        second,
    )
    assert (body["previousDeployment"]["image"], body["previousDeployment"]["keptnContext"]) == (
        storefront.IMAGES[0],
        first,
    )
    assert (body["stagedDeployment"]["image"], body["stagedDeployment"]["keptnContext"]) == (
        storefront.IMAGES[2],
        held,
    )
    page = tab.open(f"#/project/{storefront.PROJECT}")
    expect_what_runs(page, storefront.PROJECT, storefront.STAGE, body, storefront.SERVICE)
    card = page.locator(f'.service-card[data-service="{storefront.SERVICE}"]')
    expect(card.locator(".current .strategy")).to_have_text("blue_green_service")
    expect(card.locator(".staged a")).to_have_attribute(
        "href", f"#/project/{storefront.PROJECT}/sequence/{held}/stage/{storefront.STAGE}"
    )
    # The held rollout is still running: its release was started and not finished.
    expect(card.locator(".running")).to_contain_text("running rollout")
    check_accessibility(tab, "environment-staged")

    page = tab.open(f"#/project/{storefront.PROJECT}/service")
    cell = page.locator(f'table.services td[data-stage="{storefront.STAGE}"]')
    expect(cell.locator(".deployed")).to_have_text(
        f"{storefront.IMAGES[1]} staged {storefront.IMAGES[2]}"
    )
