"""Clients of a local runtime's emulator, for end-to-end tests that prepare what a user's AWS
account would hold (a Lambda function, metrics) next to what `qm` does."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from qm.local.control import emulator_client, read_state


def emulator_of(env: dict[str, str]) -> Callable[[str], Any]:
    """boto3 clients, by service name, of the runtime whose state is in `env`'s QM_HOME."""
    saved = os.environ.get("QM_HOME")
    os.environ["QM_HOME"] = env["QM_HOME"]
    try:
        state = read_state()
    finally:
        if saved is None:
            os.environ.pop("QM_HOME", None)
        else:
            os.environ["QM_HOME"] = saved
    assert state is not None, "the local runtime is not running"
    return lambda service: emulator_client(state, service)
