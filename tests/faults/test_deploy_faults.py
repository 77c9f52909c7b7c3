"""The deployment executor's fault suite: every AWS call of the deployer, canary-steps and
canary-watch fails once (before it is made, after it took effect, throttled past the SDK's
retries), the delivery is made again, and the canary must end as without the fault (version 2
takes all traffic, one deployment.finished pass) or visibly (one deployment.finished saying why,
with version 1 back on all traffic, or the message in the dead-letter queue). Every message
delivered twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.deploy_sweep import DeployEnvironment, DeployOutcome, deploy_environment, replay
from tests.faults.injector import Injector, Mode, Published
from tests.faults.tally import DEPLOY_TALLY

READS = ("Get", "List", "Query", "Head", "Describe")


@pytest.fixture(scope="module")
def env() -> Iterator[DeployEnvironment]:
    with deploy_environment(Injector(), Published()) as built:
        yield built


@pytest.fixture(scope="module")
def baseline(env: DeployEnvironment) -> list[tuple[str, str]]:
    outcome = replay(env, "baseline", Mode.CRASH, None)
    assert outcome.completed, outcome
    assert outcome.delivery == "pass/succeeded"
    return list(env.injector.calls)


def _check(mode: str, outcome: DeployOutcome) -> None:
    DEPLOY_TALLY.add(mode, outcome)
    assert not outcome.stuck, f"stuck after {mode} at {outcome.struck}: {outcome}"
    assert len(outcome.finished) <= 1, f"two decisions after {mode} at {outcome.struck}"


def test_a_crash_before_every_call_ends_the_canary_as_without_it_or_visibly(
    env: DeployEnvironment, baseline: list[tuple[str, str]]
) -> None:
    for at in range(1, len(baseline) + 1):
        _check(Mode.CRASH, replay(env, f"crash-{at}", Mode.CRASH, at))


def test_a_lost_answer_after_every_change_ends_the_canary_as_without_it_or_visibly(
    env: DeployEnvironment, baseline: list[tuple[str, str]]
) -> None:
    # A read whose answer is lost is a crash before it (done above): only changes here.
    for at, (_, operation) in enumerate(baseline, start=1):
        if not operation.startswith(READS):
            _check(Mode.APPLIED, replay(env, f"applied-{at}", Mode.APPLIED, at))


def test_throttling_past_the_sdk_retries_is_retried(
    env: DeployEnvironment, baseline: list[tuple[str, str]]
) -> None:
    firsts = {call: baseline.index(call) + 1 for call in reversed(baseline)}
    for at in sorted(firsts.values()):
        _check(Mode.THROTTLED, replay(env, f"throttled-{at}", Mode.THROTTLED, at))


def test_every_message_delivered_twice_changes_nothing(env: DeployEnvironment) -> None:
    outcome = replay(env, "twice", Mode.CRASH, None, twice=True)
    DEPLOY_TALLY.add("twice", outcome)
    assert outcome.completed, outcome
    assert outcome.delivery == "pass/succeeded"
