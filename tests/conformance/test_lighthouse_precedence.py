"""Several failure conditions at once: the lighthouse sends the evaluation.finished Keptn's does.

Each case of data/lighthouse-precedence.yaml runs through the lighthouse's two steps as they run
on the bus (evaluation.triggered, then the get-sli.finished answer), with in-memory ports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.domain.evaluations import MonitoringSettings
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ProjectRecord, ResourceScope, ServiceRecord
from chalicelib.services.lighthouse.bus import on_bus_event
from chalicelib.services.lighthouse.common import LighthouseDeps
from tests.fakes import FakeBus, FakeConfigStore, FakeEvaluationStore, FakeSecretStore

VECTORS = Path(__file__).parent / "data" / "lighthouse-precedence.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(VECTORS.read_text())["cases"]
NOW = datetime(2024, 1, 1, 10, 5, tzinfo=UTC)
SHIPYARD = (
    "apiVersion: spec.keptn.sh/0.2.3\nkind: Shipyard\nmetadata: {name: shop}\n"
    "spec:\n  stages:\n    - name: dev\n"
)
DEFAULT_VALUES = [{"metric": "rt", "value": 100, "success": True}]


def lighthouse(case: dict[str, Any]) -> LighthouseDeps:
    config = FakeConfigStore()
    config.create_project(
        ProjectRecord(
            name="shop",
            shipyard=SHIPYARD,
            shipyard_version="spec.keptn.sh/0.2.3",
            stages=("dev",),
            creation_date="2024-01-01T00:00:00.000Z",
        ),
        "test",
    )
    if case.get("scope", "ok") != "no-service":
        config.create_service(
            ServiceRecord(project="shop", name="cart", creation_date="2024-01-01T00:00:00.000Z")
        )
    if "slo" in case:
        # Stored past upload validation, like a file written before it existed.
        scope = ResourceScope(project="shop", stage="dev", service="cart")
        config.put_resources(scope, [("slo.yaml", case["slo"].encode())], "test", "add slo")
    evaluations = FakeEvaluationStore()
    if case.get("provider", True):
        evaluations.put_monitoring("shop", MonitoringSettings(provider="my-sli-provider"))
    return LighthouseDeps(
        bus=FakeBus(),
        config=config,
        evaluations=evaluations,
        secrets=FakeSecretStore(),
        clock=lambda: NOW,
    )


def triggered(case: dict[str, Any]) -> KeptnEvent:
    scope = case.get("scope", "ok")
    data: dict[str, Any] = {
        "project": "ghost" if scope == "no-project" else "shop",
        "stage": "qa" if scope == "no-stage" else "dev",
        "service": "cart",
    }
    if case.get("window", "ok") == "ok":
        data["evaluation"] = {"timeframe": "5m"}
    return KeptnEvent(
        id="evaluation-triggered-1",
        source="shipyard-controller",
        type="sh.keptn.event.evaluation.triggered",
        time="2024-01-01T10:05:00.000Z",
        shkeptncontext="context-1",
        data=data,
    )


def answer(case: dict[str, Any], request: KeptnEvent) -> KeptnEvent:
    get_sli = {"status": "succeeded", "result": "pass", "message": "", **case.get("get_sli", {})}
    asked = request.data["get-sli"]
    return KeptnEvent(
        id="get-sli-finished-1",
        source="my-sli-provider",
        type="sh.keptn.event.get-sli.finished",
        time="2024-01-01T10:05:01.000Z",
        shkeptncontext=request.shkeptncontext,
        triggeredid=request.id,
        data={
            **{key: request.data[key] for key in ("project", "stage", "service")},
            **get_sli,
            "get-sli": {
                "start": asked["start"],
                "end": asked["end"],
                "indicatorValues": case.get("values", DEFAULT_VALUES),
            },
        },
    )


def run(case: dict[str, Any]) -> KeptnEvent:
    """The evaluation.finished the lighthouse sends for the case."""
    deps = lighthouse(case)
    bus = deps.bus
    assert isinstance(bus, FakeBus)
    on_bus_event(triggered(case), deps)
    requests = [e for e in bus.published if e.type == "sh.keptn.event.get-sli.triggered"]
    if requests:
        (request,) = requests
        on_bus_event(answer(case, request), deps)
    (finished,) = [e for e in bus.published if e.type == "sh.keptn.event.evaluation.finished"]
    return finished


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_outcome_is_keptns(case: dict[str, Any]) -> None:
    expect = case["expect"]

    data = run(case).data

    assert (data["status"], data["result"]) == (expect["status"], expect["result"])
    if "message" in expect:
        assert data["message"] == expect["message"]
    else:
        assert data["message"].startswith(expect["message_prefix"])
    evaluation = data["evaluation"]
    if "evaluation" in expect:
        assert (evaluation["result"], evaluation["score"]) == (
            expect["evaluation"]["result"],
            expect["evaluation"]["score"],
        )
    if expect.get("times"):
        assert (evaluation["timeStart"], evaluation["timeEnd"]) == (
            "2024-01-01T10:00:00.000Z",
            "2024-01-01T10:05:00.000Z",
        )


def test_every_case_names_the_keptn_code_it_follows() -> None:
    assert len(CASES) >= 25
    assert all(case.get("keptn") for case in CASES)
    assert len({case["name"] for case in CASES}) == len(CASES)


def test_an_unreadable_slo_file_names_its_problems_in_a_bounded_message() -> None:
    objectives = "".join(f"  - sli: s{i}\n    weight: heavy\n" for i in range(500))

    data = run({"slo": f"objectives:\n{objectives}"}).data

    message = data["message"]
    assert (data["status"], data["result"]) == ("errored", "fail")
    assert message.startswith(
        "error retrieving SLO file: slo.yaml: objectives[0].weight 'heavy' (line 3): "
    )
    assert message.endswith("more problems (qm validate FILE lists them all)")
    assert len(message) < 5000
