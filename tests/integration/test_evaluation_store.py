"""The evaluations table on moto: history, baselines per include_result_with_score, invalidation."""

from __future__ import annotations

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.evaluations import BaselineFilter, EvaluationRecord, MonitoringSettings
from chalicelib.ports import EvaluationStore
from tests.fakes import FakeEvaluationStore


def record(n: int, result: str, service: str = "cart") -> EvaluationRecord:
    return EvaluationRecord(
        evaluation_id=f"triggered-{n}",
        event_id=f"finished-{n}",
        keptn_context=f"context-{n}",
        project="shop",
        stage="dev",
        service=service,
        time=f"2024-01-01T10:{n:02d}:00.000Z",
        result=result,
        status="succeeded",
        data={"result": result, "evaluation": {"score": 100.0 if result == "pass" else 0.0}},
    )


def ids(records: list[EvaluationRecord]) -> list[str]:
    return [found.evaluation_id for found in records]


def test_baselines_keep_the_results_that_count_newest_first(aws_container: Container) -> None:
    store = aws_container.evaluations
    for n, result in enumerate(["pass", "warning", "fail", "pass", "warning"], start=1):
        assert store.put_evaluation(record(n, result))
    store.put_evaluation(record(9, "pass", service="payment"))

    def baselines(include: BaselineFilter, limit: int = 10) -> list[str]:
        return ids(store.baselines("shop", "dev", "cart", include, limit))

    assert baselines(BaselineFilter.PASS) == ["triggered-4", "triggered-1"]
    assert baselines(BaselineFilter.PASS_OR_WARN) == [
        "triggered-5",
        "triggered-4",
        "triggered-2",
        "triggered-1",
    ]
    assert baselines(BaselineFilter.ALL, limit=3) == ["triggered-5", "triggered-4", "triggered-3"]
    assert baselines(BaselineFilter.ALL, limit=0) == []


def test_an_evaluation_is_stored_once(aws_container: Container) -> None:
    store = aws_container.evaluations
    assert store.put_evaluation(record(1, "pass"))
    assert not store.put_evaluation(record(1, "fail"))
    (stored,) = store.history("shop", "dev", "cart", 10)
    assert stored.result == "pass"
    assert stored.score == 100.0


def test_invalidation_removes_an_evaluation_from_every_baseline(aws_container: Container) -> None:
    store = aws_container.evaluations
    store.put_evaluation(record(1, "pass"))
    store.put_evaluation(record(2, "pass"))
    assert store.invalidate("triggered-2")
    assert not store.invalidate("triggered-404")
    for include in BaselineFilter:
        assert ids(store.baselines("shop", "dev", "cart", include, 10)) == ["triggered-1"]
    history = store.history("shop", "dev", "cart", 10)
    assert [(found.evaluation_id, found.invalidated) for found in history] == [
        ("triggered-2", True),
        ("triggered-1", False),
    ]


def test_a_large_evaluation_fits_in_one_item(aws_container: Container) -> None:
    store = aws_container.evaluations
    big = record(1, "pass").model_copy(
        update={"data": {"evaluation": {"sloFileContent": "x" * 600_000, "score": 100.0}}}
    )
    assert store.put_evaluation(big)
    (stored,) = store.history("shop", "dev", "cart", 1)
    assert len(stored.data["evaluation"]["sloFileContent"]) == 600_000


def test_monitoring_settings_round_trip(aws_container: Container) -> None:
    store = aws_container.evaluations
    assert store.get_monitoring("shop") is None
    settings = MonitoringSettings(provider="prometheus", url="http://prom:9090", secret="creds")
    store.put_monitoring("shop", settings)
    assert store.get_monitoring("shop") == settings


def test_the_answers_of_several_providers_are_collected_part_by_part(
    aws_container: Container,
) -> None:
    store = aws_container.evaluations

    assert store.record_part("g1", "g1", {"provider": "cloudwatch", "status": "succeeded"}) == {
        "g1": {"provider": "cloudwatch", "status": "succeeded"}
    }
    store.record_part("g1", "p2", {"provider": "neoload", "status": "errored"})
    both = store.record_part("g1", "p2", {"provider": "neoload", "status": "succeeded"})
    assert both == {
        "g1": {"provider": "cloudwatch", "status": "succeeded"},
        "p2": {"provider": "neoload", "status": "succeeded"},  # a part written again replaces it
    }
    store.delete_parts("g1")
    assert store.record_part("g1", "p3", {}) == {"p3": {}}


@pytest.fixture(params=["dynamodb", "fake"])
def any_store(request: pytest.FixtureRequest) -> EvaluationStore:
    if request.param == "fake":
        return FakeEvaluationStore()
    container: Container = request.getfixturevalue("aws_container")
    return container.evaluations


def test_a_deleted_projects_evaluations_and_monitoring_are_forgotten(
    any_store: EvaluationStore,
) -> None:
    for n in range(1, 4):
        any_store.put_evaluation(record(n, "pass"))
    any_store.put_evaluation(record(4, "pass", service="payment"))
    any_store.invalidate("triggered-2")
    other = record(5, "pass").model_copy(update={"project": "other", "evaluation_id": "o-5"})
    any_store.put_evaluation(other)
    any_store.put_monitoring(
        "shop", MonitoringSettings(provider="prometheus", url="http://prom:9090")
    )
    any_store.put_monitoring(
        "other", MonitoringSettings(provider="prometheus", url="http://prom:9090")
    )
    any_store.forget_project("shop", [("dev", "cart"), ("dev", "payment"), ("prod", "cart")])
    assert any_store.history("shop", "dev", "cart", 10) == []
    assert any_store.history("shop", "dev", "payment", 10) == []
    assert any_store.baselines("shop", "dev", "cart", BaselineFilter.ALL, 10) == []
    assert any_store.get_monitoring("shop") is None
    # Another project's stay, and a retried deletion finds nothing left to remove.
    assert ids(any_store.history("other", "dev", "cart", 10)) == ["o-5"]
    assert any_store.get_monitoring("other") is not None
    any_store.forget_project("shop", [("dev", "cart")])
