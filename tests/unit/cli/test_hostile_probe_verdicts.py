"""bench/hostile_probe.py's verdicts: what it counts as answered as expected, so a green probe
means the contract holds (an error body in Chalice's own shape, a task event among the roots or
a URI refused for its content instead of its name do not pass)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from chalicelib.domain.documents import document_errors

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "hostile_probe.py"


def _load() -> ModuleType:
    """The script as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("hostile_probe", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("hostile_probe", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


probe = _load()
error_shaped, only_roots, status_in = probe.error_shaped, probe.only_roots, probe.status_in
client_error, valid_for, SHIPYARD, SLO = (
    probe.client_error,
    probe.valid_for,
    probe.SHIPYARD,
    probe.SLO,
)


def _answer(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_only_keptns_error_shape_with_the_same_code_passes() -> None:
    assert error_shaped(404)(_answer(404, {"code": 404, "message": "no route /v1/x"}))
    assert not error_shaped(404)(_answer(404, {"Code": 404, "Message": "no route"}))
    assert not error_shaped(404)(_answer(403, {"message": "Missing Authentication Token"}))
    assert not error_shaped(405)(_answer(405, {"code": 400, "message": "wrong code"}))
    assert not error_shaped(404)(_answer(404, {"code": 404, "message": "x", "extra": 1}))
    assert not error_shaped(404)(httpx.Response(404, text="not found"))


def test_root_events_are_one_per_context_answering_none_and_at_least_one() -> None:
    first = {"type": "sh.keptn.event.dev.delivery.triggered", "shkeptncontext": "a"}
    other = {"type": "sh.keptn.event.dev.delivery.triggered", "shkeptncontext": "b"}
    same_context = {"type": "sh.keptn.event.approval.triggered", "shkeptncontext": "a"}
    answer = {
        "type": "sh.keptn.event.deployment.finished",
        "shkeptncontext": "c",
        "triggeredid": "t1",
    }
    assert only_roots(_answer(200, {"events": [first, other]}))
    assert not only_roots(_answer(200, {"events": [first, same_context]}))  # two of one context
    assert not only_roots(_answer(200, {"events": [answer]}))  # answers another event
    assert not only_roots(_answer(200, {"events": []}))  # nothing shown proves nothing
    assert not only_roots(_answer(400, {"code": 400, "message": "root is unknown"}))


def test_status_checks() -> None:
    assert status_in(413, 400)(_answer(413, {}))
    assert not status_in(413, 400)(_answer(201, {}))
    assert client_error(_answer(409, {}))
    assert not client_error(_answer(500, {}))
    assert not client_error(_answer(200, {}))


def test_uri_probes_send_content_valid_for_the_name_so_a_400_is_about_the_uri() -> None:
    for uri in ("./shipyard.yaml", "shipyard.yaml/", "slo.yaml\u0000", ".//x"):
        name = "shipyard.yaml" if "shipyard" in uri else "slo.yaml" if "slo" in uri else None
        if name is not None:
            assert document_errors(valid_for(uri), name) == [], uri
    assert valid_for("./shipyard.yaml") == SHIPYARD
    assert valid_for("slo.yaml\u0000") == SLO
