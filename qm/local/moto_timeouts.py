"""A repair of moto 5.2.5's Step Functions interpreter: a Task state with `HeartbeatSeconds`
and no `TimeoutSeconds` may run as long as on AWS.

moto applies the States Language specification's default of 60 s to `TimeoutSeconds` when a
state gives only a heartbeat. AWS Step Functions has no such default (its own callback examples
set `HeartbeatSeconds: 600` alone): the state may run up to 99999999 s. Quartermaster's task
states carry the answer deadline (`taskStartedWaitDuration`, 10 minutes by default) as their
heartbeat and no timeout unless the task has one (chalicelib/engine/asl_states.py), so on the
unrepaired interpreter a task nobody answered timed its run out after 60 s. Used by the local
runtime's emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FromStateProps = Callable[[Any, Any], None]


def with_aws_default(from_state_props: FromStateProps) -> FromStateProps:
    """`ExecutionState.from_state_props`, with AWS's timeout where only a heartbeat is given."""
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import (
        Timeout,
        TimeoutSeconds,
    )

    def repaired(state: Any, state_props: Any) -> None:
        from_state_props(state, state_props)
        if state.heartbeat is not None and state_props.get(Timeout) is None:
            state.timeout = TimeoutSeconds(timeout_seconds=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS)

    return repaired


def repair() -> None:
    """Install it (in the emulator process)."""
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    ExecutionState.from_state_props = with_aws_default(ExecutionState.from_state_props)  # type: ignore[method-assign,assignment]
