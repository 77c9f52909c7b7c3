"""The fault suite: every AWS call of the sequencing handlers fails once, the delivery is
redelivered, and the run must end exactly as without the fault, or end visibly.

"Exactly as without the fault": both runs finish pass/succeeded with the same events, the
scope's lock is free and its queue empty (the second run started after the first). "Visibly":
a run ended with a `.finished` saying why, or the message reached the dead-letter queue. A run
that did neither is stuck, and one stuck run fails the suite. The table printed at the end of
the session (tests/faults/conftest.py) counts them per mode.

The same event id published twice is counted apart: a crash after a publish and before its
outbox entry is removed sends it again with the same id (the events table keeps it once, and
every consumer of an at-least-once bus must expect it); nothing else may repeat one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.injector import Injector, Mode, Published
from tests.faults.sweep import Environment, Outcome, environment, replay
from tests.faults.tally import TALLY


@pytest.fixture(scope="module")
def env() -> Iterator[Environment]:
    with environment(Injector(), Published()) as built:
        yield built


@pytest.fixture(scope="module")
def baseline(env: Environment) -> tuple[Outcome, list[tuple[str, str]]]:
    outcome = replay(env, "baseline", Mode.CRASH, None)
    assert not outcome.stuck, outcome
    assert not outcome.ended_visibly, outcome
    assert set(outcome.finished.values()) == {"pass/succeeded"}
    assert outcome.duplicates == []
    return outcome, list(env.injector.calls)


def _check(mode: Mode, outcome: Outcome, expected: Outcome) -> None:
    TALLY.add(mode, outcome)
    assert not outcome.stuck, f"stuck after {mode} at {outcome.struck}: {outcome}"
    if outcome.ended_visibly or outcome.dead_letters:
        return
    assert sorted(outcome.types.values(), key=str) == sorted(expected.types.values(), key=str)
    if outcome.duplicates:
        # Only a publish whose answer was lost, or a crash between a publish and the removal
        # of its outbox entry, may send an event again (with its id).
        assert outcome.struck is not None
        assert outcome.struck[1] in ("PutEvents", "UpdateItem"), outcome.struck


@pytest.mark.parametrize("mode", [Mode.CRASH, Mode.APPLIED])
def test_a_fault_at_every_call_ends_the_run_as_without_it_or_visibly(
    env: Environment, baseline: tuple[Outcome, list[tuple[str, str]]], mode: Mode
) -> None:
    expected, calls = baseline
    for at in range(1, len(calls) + 1):
        _check(mode, replay(env, f"{mode}-{at}", mode, at), expected)


def test_throttling_past_the_sdk_retries_is_retried_not_taken_for_an_answer(
    env: Environment, baseline: tuple[Outcome, list[tuple[str, str]]]
) -> None:
    expected, calls = baseline
    firsts = {call: calls.index(call) + 1 for call in reversed(calls)}  # each kind of call
    for at in sorted(firsts.values()):
        _check(Mode.THROTTLED, replay(env, f"throttled-{at}", Mode.THROTTLED, at), expected)


def test_every_message_delivered_twice_changes_nothing(
    env: Environment, baseline: tuple[Outcome, list[tuple[str, str]]]
) -> None:
    expected, _ = baseline
    outcome = replay(env, "twice", Mode.CRASH, None, twice=True)
    TALLY.add("twice", outcome)
    assert not outcome.stuck, outcome
    assert not outcome.ended_visibly, outcome
    assert sorted(outcome.types.values(), key=str) == sorted(expected.types.values(), key=str)
    assert outcome.duplicates == []  # a redelivered dispatch sends nothing again
