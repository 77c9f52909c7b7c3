"""The DeploymentTarget contract (chalicelib/ports/deployments.py), for every adapter.

An adapter's test module subclasses `DeploymentTargetContract` and provides the `world` fixture:
a `TargetWorld` with a fresh target on which one version runs. The suite then checks what the
executor relies on: what runs is read back as set, each strategy's operation leaves exactly the
routing it promises (checked through the adapter and, independently, through `world.routing`),
a repeated call with the same arguments changes nothing more (at-least-once), a rollback restores
exactly what was recorded, and what retrying cannot fix is a non-retryable error that leaves
the target as it was.
"""

from __future__ import annotations

from typing import Protocol

import pytest

from chalicelib.domain.deployments import Artifact, Routing
from chalicelib.errors import QuartermasterError
from chalicelib.ports import DeploymentTarget


class TargetWorld(Protocol):
    """An adapter's test environment, seen from outside the adapter."""

    def target(self) -> DeploymentTarget:
        """The adapter for a target on which one version runs with all traffic."""
        ...

    def missing_target(self) -> DeploymentTarget:
        """The adapter for a target that does not exist."""
        ...

    def artifact(self, label: str) -> Artifact:
        """Something new to deploy (each label different code)."""
        ...

    def routing(self) -> Routing:
        """What the target really routes, read without the adapter."""
        ...

    def versions(self) -> int:
        """How many versions exist on the target (to see that a retry made none)."""
        ...


class DeploymentTargetContract:
    """Subclass with a `world` fixture (a TargetWorld)."""

    def test_current_reads_what_runs(self, world: TargetWorld) -> None:
        current = world.target().current()
        assert current.version is not None
        assert current.candidate is None
        assert current == world.routing()

    def test_a_target_that_does_not_exist_is_not_found_without_retrying(
        self, world: TargetWorld
    ) -> None:
        with pytest.raises(QuartermasterError) as raised:
            world.missing_target().current()
        assert not raised.value.retryable
        assert raised.value.status_code == 404

    def test_deploy_gives_the_new_version_all_traffic_once(self, world: TargetWorld) -> None:
        target = world.target()
        before = target.current()
        routing = target.deploy(world.artifact("2.0.0"), "ref-1")
        assert routing.version != before.version
        assert routing.candidate is None
        assert world.routing() == routing == target.current()
        versions = world.versions()
        assert target.deploy(world.artifact("2.0.0"), "ref-1") == routing  # a retry
        assert world.versions() == versions

    def test_stage_adds_a_version_with_no_traffic_once(self, world: TargetWorld) -> None:
        target = world.target()
        before = target.current()
        staged = target.stage(world.artifact("2.1.0"), "ref-2")
        assert staged.version == before.version
        assert staged.candidate not in (None, before.version)
        assert staged.weight == 0
        assert world.routing() == staged
        versions = world.versions()
        assert target.stage(world.artifact("2.1.0"), "ref-2") == staged
        assert world.versions() == versions

    def test_shift_sets_the_weight_and_promote_switches(self, world: TargetWorld) -> None:
        target = world.target()
        before = target.current()
        candidate = target.stage(world.artifact("2.2.0"), "ref-3").candidate
        assert candidate is not None
        for weight in (10.0, 50.0, 50.0):  # the last one repeated, as after a lost answer
            routing = target.shift(candidate, weight)
            assert routing == Routing(version=before.version, candidate=candidate, weight=weight)
            assert world.routing() == routing
        for _ in range(2):
            promoted = target.promote(candidate)
            assert promoted == Routing(version=candidate)
            assert world.routing() == promoted

    def test_rollback_restores_exactly_what_was_recorded(self, world: TargetWorld) -> None:
        target = world.target()
        recorded = target.current()
        candidate = target.stage(world.artifact("2.3.0"), "ref-4").candidate
        assert candidate is not None
        target.shift(candidate, 30.0)
        for _ in range(2):
            assert target.rollback(recorded) == recorded
            assert world.routing() == recorded
        deployed = target.deploy(world.artifact("2.4.0"), "ref-5")
        assert deployed.version != recorded.version
        assert target.rollback(recorded) == recorded
        assert world.routing() == recorded

    def test_nothing_to_deploy_is_refused_without_retrying_and_changes_nothing(
        self, world: TargetWorld
    ) -> None:
        target = world.target()
        before = world.routing()
        for change in (target.deploy, target.stage):
            with pytest.raises(QuartermasterError) as raised:
                change(Artifact(), "ref-6")
            assert not raised.value.retryable
            assert raised.value.message  # names what is missing
            assert world.routing() == before

    def test_endpoints_name_the_target_and_its_placeholders(self, world: TargetWorld) -> None:
        target = world.target()
        running = target.current().version
        endpoints = target.endpoints(None)
        assert endpoints.names
        assert endpoints.local
        assert endpoints.placeholders.get("version") == running
        candidate = target.stage(world.artifact("2.5.0"), "ref-7").candidate
        assert candidate is not None
        one = target.endpoints(candidate)
        assert one.placeholders.get("version") == candidate
        assert one.local  # that version alone
        assert one.local != endpoints.local
