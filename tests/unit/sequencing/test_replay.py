"""Replay tests: histories recorded from real runs (tests/data/replay/*.json), replayed through
the sequencing services on fakes, must have the same effects.

A recording is a real run: the app and its handlers on moto, Step Functions executing the
sequences' state machines (tests/replay/record.py, scenarios in tests/replay/scenarios.py). For
every delivery to the sequencer, task-events, dispatcher, finisher and reconciler, and every
control or approval decision through the API, it holds the input and what the handler did: the
events it published (type, id, source, triggeredid, context, commit, data) in order, the
executions it started, resumed (by token) and stopped, the deadlines it scheduled, and what an
API call answered. Each test here feeds those inputs, in order, to the services with a clock at
each delivery's recorded time, and compares, delivery by delivery.

Re-recording (needs no AWS account; about a minute):

    export PYTHONPATH=$PWD
    python -m tests.replay.record                 # every scenario
    python -m tests.replay.record pause-resume    # one
    git diff tests/data/replay/

When a replay fails, the diff is between what the code does now and what a real run did:
- A change nobody meant (an event lost, sent twice, sent with another id or payload; a
  deadline or a resumption gone; effects in another order, such as an event sent before its
  deadline is scheduled, which is no longer crash-safe): a regression. Fix the code.
- A change in behaviour that is intended (a new field in an event's data, a message worded
  differently, ids derived differently): record again, and read the diff of the recordings
  in review: it is the change in behaviour, as a real run shows it.
A new scenario is a function in tests/replay/scenarios.py, recorded once and committed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.replay.replayer import Replay, compared
from tests.replay.scenarios import SCENARIOS

DATA = Path(__file__).resolve().parents[2] / "data" / "replay"
RECORDINGS = sorted(DATA.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    history: dict[str, Any] = json.loads(path.read_text())
    return history


def replay_all(history: dict[str, Any]) -> None:
    replay = Replay(history)
    for index, recorded in enumerate(history["deliveries"]):
        replayed = replay.play(recorded)
        expected = compared(recorded)
        assert replayed == expected, (
            f"delivery {index} ({recorded['handler']} at {recorded['time']}) did not do what "
            f"the recorded run did; its input: {json.dumps(recorded['input'])[:400]}"
        )


def test_every_scenario_is_recorded() -> None:
    assert sorted(path.stem for path in RECORDINGS) == sorted(SCENARIOS)


@pytest.mark.parametrize("path", RECORDINGS, ids=[path.stem for path in RECORDINGS])
def test_a_recorded_run_replays_with_the_same_effects(path: Path) -> None:
    history = load(path)
    assert history["deliveries"], f"{path.name} holds no delivery"
    replay_all(history)


def _effects(history: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        effect[kind]
        for delivery in history["deliveries"]
        for effect in delivery["effects"]
        if kind in effect
    ]


@pytest.mark.parametrize(
    ("scenario", "kinds"),
    [
        ("chained-delivery", {"publish", "schedule", "resume", "start"}),
        ("answer-deadline", {"publish", "stop"}),  # the deadline is the machine's heartbeat
        ("abort-running", {"publish", "stop", "start", "resume"}),
        ("execution-failed", {"publish", "start"}),
    ],
)
def test_the_recordings_hold_what_the_replay_compares(scenario: str, kinds: set[str]) -> None:
    history = load(DATA / f"{scenario}.json")
    for kind in kinds:
        assert _effects(history, kind), f"{scenario} recorded no {kind}"
    handlers = {delivery["handler"] for delivery in history["deliveries"]}
    assert {"sequencer", "dispatcher", "task-events", "finisher"} <= handlers


def _tampered(history: dict[str, Any], kind: str, change: Any) -> dict[str, Any]:
    changed = copy.deepcopy(history)
    for delivery in changed["deliveries"]:
        for effect in delivery["effects"]:
            if kind in effect:
                change(effect[kind])
                return changed
    raise AssertionError(f"no {kind} to change")


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("publish", lambda event: event.update(id="another-id")),
        ("publish", lambda event: event["data"].update(result="warning")),
        ("resume", lambda resume: resume.update(token="token-9")),
        ("schedule", lambda deadline: deadline.update(due="2026-01-01T13:00:00.000Z")),
    ],
    ids=["event id", "event data", "resumed token", "deadline"],
)
def test_a_replay_fails_when_an_effect_differs(kind: str, change: Any) -> None:
    history = _tampered(load(DATA / "chained-delivery.json"), kind, change)
    with pytest.raises(AssertionError, match="did not do what the recorded run did"):
        replay_all(history)


def test_a_replay_fails_when_effects_come_in_another_order() -> None:
    history = load(DATA / "chained-delivery.json")
    # A decision's settle message, then its approval.finished: the other way round.
    decided = next(d for d in history["deliveries"] if len({*map(str, d["effects"])}) > 1)
    decided["effects"].reverse()
    with pytest.raises(AssertionError, match="did not do what the recorded run did"):
        replay_all(history)


def test_a_late_task_replays_with_the_token_its_execution_waits_on() -> None:
    history = load(DATA / "answer-deadline.json")
    late = [d for d in history["deliveries"] if d["input"].get("kind") == "late"]
    assert [d["handler"] for d in late] == ["finisher"]
    assert late[0]["input"]["taskToken"] == "token-3"  # named in order, after two dispatches


def test_recordings_name_tokens_in_order_and_arns_by_run() -> None:
    from tests.replay.history import Normaliser

    normalise = Normaliser()
    arn = "arn:aws:states:us-east-1:123456789012:execution:qm-test-shop-dev-delivery_v1a2b:run-1"
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:qm-test-shop-dev-delivery_v1a2b"
    first = normalise.delivery(
        {"handler": "dispatcher", "input": {"taskToken": "AAAA/opaque+1", "execution": arn}}
    )
    second = normalise.delivery({"handler": "dispatcher", "input": {"taskToken": "BBBB"}})
    resumed = normalise({"resume": {"token": "AAAA/opaque+1"}, "machine": machine})
    assert first["input"] == {"taskToken": "token-1", "execution": "execution:run-1"}
    assert second["input"] == {"taskToken": "token-2"}
    assert resumed == {
        "resume": {"token": "token-1"},
        "machine": "stateMachine:qm-test-shop-dev-delivery",
    }
