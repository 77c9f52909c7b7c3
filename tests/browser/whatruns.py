"""What runs where, as the API's service bodies say it and as the Bridge's service cards must
show it."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser import seed


def service_bodies(api: httpx.Client, project: str, service: str = seed.SERVICE) -> dict[str, Any]:
    """The service's body in each stage, as the project listing reports it."""
    stages = api.get(f"/v1/project/{project}").json()["stages"]
    return {
        stage["stageName"]: next(s for s in stage["services"] if s["serviceName"] == service)
        for stage in stages
    }


def expect_what_runs(
    page: Page, project: str, stage: str, body: dict[str, Any], service: str = seed.SERVICE
) -> None:
    """The service's card in `stage` shows what its body says runs there."""
    card = page.locator(f'.service-card[data-stage="{stage}"][data-service="{service}"]')
    if "deployedImage" not in body:
        expect(card.locator(".deployed")).to_have_text("nothing deployed yet")
        return
    expect(card.locator(".deployed .current .image")).to_have_text(body["deployedImage"])
    since = card.locator(".deployed .since a")
    context = body["deployment"]["keptnContext"]
    expect(since).to_have_attribute("href", f"#/project/{project}/sequence/{context}/stage/{stage}")
    expect(since).to_contain_text("since ")
    previous, staged = body.get("previousDeployment"), body.get("stagedDeployment")
    expect(card.locator(".previous .image")).to_have_text([previous["image"]] if previous else [])
    expect(card.locator(".staged a")).to_have_text([staged["image"]] if staged else [])
