"""The messages between state machines and the control plane (chalicelib/domain/messages.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.domain.messages import (
    DeadlineMessage,
    DispatchMessage,
    FinishedMessage,
    TimeoutMessage,
    parse_control_message,
)


def test_control_messages_are_read_by_their_kind() -> None:
    deadline = parse_control_message(
        {"kind": "deadline", "triggeredId": "t-1", "due": "2026-01-01T12:00:00.000Z"}
    )
    assert isinstance(deadline, DeadlineMessage)
    assert deadline.triggered_id == "t-1"
    timeout = parse_control_message(
        {"kind": "timeout", "run": {"id": "r"}, "timeoutSeconds": 30, "onTimeout": "pass"}
    )
    assert isinstance(timeout, TimeoutMessage)
    assert (timeout.timeout_seconds, timeout.on_timeout) == (30, "pass")
    finished = parse_control_message(
        {"kind": "finished", "execution": "arn", "run": {"id": "r", "more": 1}, "last": {}}
    )
    assert isinstance(finished, FinishedMessage)
    assert finished.run.id == "r"
    assert finished.last is not None
    assert not finished.last.timed_out


def test_a_message_of_no_kind_is_the_runs_end() -> None:
    assert isinstance(parse_control_message({"run": {"id": "r"}}), FinishedMessage)


def test_a_deadline_message_goes_out_as_it_comes_in() -> None:
    wire = {"kind": "deadline", "triggeredId": "t-1", "due": "2026-01-01T12:00:00.000Z"}
    assert DeadlineMessage.model_validate(wire).wire() == wire


def test_a_dispatch_without_its_token_is_refused() -> None:
    with pytest.raises(ValidationError, match="taskToken"):
        DispatchMessage.model_validate({"run": {"id": "r"}, "index": 0, "task": "deployment"})
