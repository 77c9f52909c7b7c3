"""`qm update shipyard "sli_provider..."`: the seed's edits, as settings the API takes."""

from __future__ import annotations

from typing import Any

import pytest

from qm.client import CliError
from qm.commands.shipyard_edits import _parse, edited


def edit(current: dict[str, Any] | None, text: str, **options: str) -> dict[str, Any]:
    _, op, values = _parse(text)
    return edited(current, op, values, text, "shop", **options)


def test_the_seeds_edit_adds_both_providers_after_the_projects() -> None:
    current = {"provider": "cloudwatch"}
    assert edit(current, "sli_provider+=prometheus,neoload", url="http://prom:9090") == {
        "provider": "cloudwatch",
        "also": ["prometheus", "neoload"],
        "url": "http://prom:9090",
    }
    # On a project without any, the first named is the main provider.
    assert edit(None, "sli_provider+=neoload,dynatrace") == {
        "provider": "neoload",
        "also": ["dynatrace"],
    }


def test_set_add_and_remove_keep_the_order_and_the_prometheus_server() -> None:
    current = {"provider": "prometheus", "also": ["neoload"], "url": "http://p:9090", "secret": "s"}
    assert edit(current, "sli_provider+=neoload") == current  # already asked: nothing changes
    assert edit(current, "sli_provider-=prometheus") == {"provider": "neoload"}
    assert edit(current, "sli_provider=dynatrace,prometheus") == {
        "provider": "dynatrace",
        "also": ["prometheus"],
        "url": "http://p:9090",
        "secret": "s",
    }
    assert edit(current, "sli_provider=cloudwatch") == {"provider": "cloudwatch"}


@pytest.mark.parametrize(
    ("current", "text", "message"),
    [
        ({"provider": "cloudwatch"}, "sli_provider+=prometheus", "add --url http://"),
        ({"provider": "cloudwatch"}, "sli_provider-=cloudwatch", "without an SLI provider"),
        ({"provider": "cloudwatch"}, "sli_provider-=neoload", "does not ask neoload"),
        (None, "sli_provider+=", "names no provider"),
        (None, "sli_provider+=a,a", "names a provider twice"),
        (None, "sli_provider:a", "is not understood"),
        (None, "slo=a", "no shipyard setting"),
    ],
)
def test_what_cannot_be_meant_is_refused_naming_the_fix(
    current: dict[str, Any] | None, text: str, message: str
) -> None:
    with pytest.raises(CliError) as refused:
        edit(current, text)
    assert message in refused.value.message
