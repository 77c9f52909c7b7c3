"""Start and stop the local runtime process from the CLI (`qm local up|down|status`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from qm import config
from qm.client import CliError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90


def state_dir() -> Path:
    return config.home() / "local"


def read_state() -> dict[str, Any] | None:
    path = state_dir() / "state.json"
    if not path.is_file():
        return None
    state: dict[str, Any] = json.loads(path.read_text())
    if not _alive(int(state["pid"])):
        path.unlink(missing_ok=True)
        return None
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def up() -> dict[str, Any]:
    """Start the runtime in the background (or find it running) and point the CLI at it."""
    running = read_state()
    if running:
        return running
    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / "runtime.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "qm.local.runtime", "--state-dir", str(directory)],
            cwd=PROJECT_ROOT,  # app.py lives at the project root
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives this command, like a daemon
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CliError(
                f"the local runtime exited early (code {process.returncode}); see {log_path}"
            )
        state = read_state()
        if state:
            config.save(config.CliConfig(endpoint=state["endpoint"], token=state["token"]))
            return state
        time.sleep(0.25)
    process.terminate()
    raise CliError(f"the local runtime did not start within {START_TIMEOUT_S} s; see {log_path}")


def down() -> bool:
    """Stop the runtime; False when none was running."""
    state = read_state()
    if not state:
        return False
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        # The runtime leads its own process group (the emulator is in it too): end them all.
        os.killpg(pid, signal.SIGKILL)
    (state_dir() / "state.json").unlink(missing_ok=True)
    return True


def emulator_client(state: dict[str, Any], service: str) -> Any:
    """A boto3 client of the running local runtime's AWS emulator (`state` from `up()` or
    `read_state()`), for what stands in for the outside world: a service's metrics, a tool."""
    import boto3

    from qm.local.runtime import REGION

    return boto3.client(
        service,
        endpoint_url=state["aws_endpoint"],
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
