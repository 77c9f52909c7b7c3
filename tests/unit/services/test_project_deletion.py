"""Deleting a project on fakes: a deletion interrupted at any step and run again ends
complete, and until then the project reads as gone and its name is not free."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.evaluations import EvaluationRecord, MonitoringSettings
from chalicelib.domain.projects import ProjectRecord, ServiceRecord
from chalicelib.errors import Conflict, DependencyFailure, NotFound
from chalicelib.services.project_deletion import DeletionDeps, delete_project
from tests.fakes import FakeConfigStore, FakeEvaluationStore


def project() -> ProjectRecord:
    return ProjectRecord(
        name="shop",
        shipyard="s",
        shipyard_version="spec.keptn.sh/0.2.3",
        stages=("dev", "prod"),
        creation_date="2026-01-01T00:00:00.000Z",
    )


class Steps:
    """Aborting runs that fails the first `failures` times, as a crash there would."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[str] = []

    def abort_runs(self, name: str) -> int:
        self.calls.append(name)
        if self.failures:
            self.failures -= 1
            raise DependencyFailure("the runs table did not answer")
        return 0


@pytest.fixture
def stores() -> tuple[FakeConfigStore, FakeEvaluationStore]:
    config, evaluations = FakeConfigStore(), FakeEvaluationStore()
    config.create_project(project(), author="alice")
    config.create_service(ServiceRecord(project="shop", name="cart", creation_date="t"))
    evaluations.put_evaluation(
        EvaluationRecord(
            evaluation_id="e-1",
            event_id="f-1",
            keptn_context="c",
            project="shop",
            stage="prod",
            service="cart",
            time="2026-01-01T10:00:00.000Z",
            result="pass",
            status="succeeded",
            data={},
        )
    )
    evaluations.put_monitoring("shop", MonitoringSettings(provider="prometheus", url="http://p"))
    return config, evaluations


def test_an_interrupted_deletion_hides_the_project_and_the_next_one_finishes_it(
    stores: tuple[FakeConfigStore, FakeEvaluationStore],
) -> None:
    config, evaluations = stores
    steps = Steps(failures=1)
    deps = DeletionDeps(
        config=config,
        clock=lambda: datetime(2026, 1, 2, tzinfo=UTC),
        abort_runs=steps.abort_runs,
        evaluations=evaluations,
    )
    with pytest.raises(DependencyFailure):
        delete_project("shop", deps)
    assert config.get_project("shop") is None  # gone for every reader
    with pytest.raises(Conflict, match="being deleted"):
        config.create_project(project(), author="alice")
    assert evaluations.history("shop", "prod", "cart", 10) != []  # not done yet

    message = delete_project("shop", deps)
    assert message == "project 'shop' deleted; its events stay in the audit trail"
    assert steps.calls == ["shop", "shop"]
    assert evaluations.history("shop", "prod", "cart", 10) == []
    assert evaluations.get_monitoring("shop") is None
    with pytest.raises(NotFound, match="project 'shop' does not exist"):
        delete_project("shop", deps)
    config.create_project(project(), author="alice")
    assert config.list_services("shop") == []
