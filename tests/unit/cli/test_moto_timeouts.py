"""The local runtime's Step Functions interpreter lets a task state with only a heartbeat (the
answer deadline) wait as long as AWS does, instead of moto's 60 s."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from qm.local import moto_timeouts

AWS_DEFAULT = 99999999


def _task(**timeouts: int) -> Any:
    definition = {
        "StartAt": "Task",
        "States": {
            "Task": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "dispatch", "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
                **timeouts,
            }
        },
    }
    program: Any = AmazonStateLanguageParser.parse(json.dumps(definition))[0]
    return program.states.states["Task"]


@pytest.fixture
def repaired(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ExecutionState.from_state_props
    monkeypatch.setattr(
        ExecutionState, "from_state_props", moto_timeouts.with_aws_default(original)
    )


def test_unrepaired_moto_times_a_heartbeat_only_task_out_after_60_s() -> None:
    # What the repair is for: if moto changes this default, the repair may go.
    assert _task(HeartbeatSeconds=600).timeout.timeout_seconds == 60


@pytest.mark.usefixtures("repaired")
def test_a_heartbeat_only_task_may_run_as_long_as_on_aws() -> None:
    task = _task(HeartbeatSeconds=600)
    assert (task.timeout.timeout_seconds, task.heartbeat.heartbeat_seconds) == (AWS_DEFAULT, 600)


@pytest.mark.usefixtures("repaired")
def test_a_task_s_own_timeout_is_kept() -> None:
    task = _task(HeartbeatSeconds=600, TimeoutSeconds=900)
    assert (task.timeout.timeout_seconds, task.heartbeat.heartbeat_seconds) == (900, 600)
    assert _task(TimeoutSeconds=30).timeout.timeout_seconds == 30
    assert _task().heartbeat is None
