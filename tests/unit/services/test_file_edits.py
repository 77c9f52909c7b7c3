"""An edit of a configuration file that another commit overtakes is made again on the file as
it is now; one that keeps being overtaken ends with a 409 that says to try again."""

from __future__ import annotations

import pytest
import yaml

from chalicelib.domain.projects import ProjectRecord, ResourceScope
from chalicelib.errors import Conflict
from chalicelib.services.file_edits import EDIT_ATTEMPTS
from chalicelib.services.webhooks.lookup import WEBHOOK_URI
from chalicelib.services.webhooks.registry import register
from tests.fakes import FakeConfigStore
from tests.racing_config import RacingConfig

DEV = ResourceScope(project="shop", stage="dev")


def shop() -> FakeConfigStore:
    config = FakeConfigStore()
    config.create_project(
        ProjectRecord(
            name="shop",
            shipyard="",
            shipyard_version="spec.keptn.sh/0.2.3",
            stages=("dev",),
            creation_date="2026-01-01T00:00:00.000Z",
        ),
        "alice",
    )
    return config


def racing(config: FakeConfigStore, times: int) -> RacingConfig:
    """Another registration after each of the first `times` reads of the file."""
    others = iter(range(times))

    def interloper() -> None:
        url = f"https://ci.example.com/other-{next(others)}"
        register("shop", {"stage": "dev", "task": "test", "url": url}, "bob", config)

    return RacingConfig(config, WEBHOOK_URI, interloper, times=times)


def urls(config: FakeConfigStore) -> list[str]:
    stored = config.get_resource(DEV, WEBHOOK_URI)
    assert stored is not None
    return [e["requests"][0]["url"] for e in yaml.safe_load(stored.content)["spec"]["webhooks"]]


def test_an_edit_overtaken_on_every_attempt_but_the_last_still_lands() -> None:
    config = shop()
    late = {"stage": "dev", "task": "test", "url": "https://ci.example.com/late"}

    register("shop", late, "carol", racing(config, EDIT_ATTEMPTS - 1))

    others = [f"https://ci.example.com/other-{n}" for n in range(EDIT_ATTEMPTS - 1)]
    assert urls(config) == [*others, "https://ci.example.com/late"]


def test_an_edit_overtaken_on_every_attempt_is_a_409_saying_to_try_again() -> None:
    config = shop()
    late = {"stage": "dev", "task": "test", "url": "https://ci.example.com/late"}

    with pytest.raises(Conflict) as raised:
        register("shop", late, "carol", racing(config, EDIT_ATTEMPTS))

    assert raised.value.status_code == 409
    assert raised.value.message == (
        "webhook/webhook.yaml of project 'shop', stage 'dev' changed concurrently: other changes "
        f"were committed while this one was made, {EDIT_ATTEMPTS} times in a row; nothing was "
        "written, try again"
    )
    assert "https://ci.example.com/late" not in urls(config)
    assert len(urls(config)) == EDIT_ATTEMPTS  # every other registration landed


def test_a_registration_that_another_one_made_meanwhile_is_refused_as_a_duplicate() -> None:
    config = shop()
    same = {"stage": "dev", "task": "test", "url": "https://ci.example.com/same"}
    racer = RacingConfig(config, WEBHOOK_URI, lambda: register("shop", same, "bob", config))

    with pytest.raises(Conflict, match=r"already has a webhook for sh\.keptn\.event\.test"):
        register("shop", same, "carol", racer)

    assert urls(config) == ["https://ci.example.com/same"]
