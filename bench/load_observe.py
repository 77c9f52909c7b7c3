"""What bench/load.py reads from the running runtime besides the API: the CPU its processes
used, the messages waiting in its queues, and a scope's lock and queue as stored."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

RUNS_TABLE = "quartermaster-local-runs"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[str, int]:
    """The runtime, the emulator it started, and this bench."""
    from qm.local import control

    state = control.read_state()
    found = {"bench": os.getpid()}
    if state is None:
        return found
    found["runtime"] = int(state["pid"])
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == found["runtime"]:
                found["emulator"] = int(stat.parent.name)
        except (OSError, ValueError, IndexError):
            continue
    return found


def cpu_sample() -> dict[str, float]:
    return {name: _cpu_seconds(pid) for name, pid in _processes().items()}


def scope_as_stored(scope_key: str, run_id: str, names: dict[str, str]) -> str:
    """A run's stored state and its scope's lock and queue items in the runs table, read
    from the emulator (`names`: run id -> how to call it)."""
    from qm.local import control

    state = control.read_state()
    if state is None:
        return "runtime gone"
    db = control.emulator_client(state, "dynamodb")
    items = db.query(
        TableName=RUNS_TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SCOPE#{scope_key}"}},
        ConsistentRead=True,
    )["Items"]
    lock = next(
        (names.get(i["run"]["S"], i["run"]["S"]) for i in items if i["sk"]["S"] == "LOCK"), "free"
    )
    queued = [
        names.get(i["run"]["S"], i["run"]["S"]) for i in items if i["sk"]["S"].startswith("Q#")
    ]
    own = db.get_item(
        TableName=RUNS_TABLE,
        Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}},
        ConsistentRead=True,
    ).get("Item", {})
    return (
        f"stored state {own.get('state', {}).get('S', '(none)')}, lock {lock}, "
        f"queued {', '.join(queued) or 'none'}"
    )


def _handler_queues() -> tuple[Any, list[str]]:
    from qm.local import control

    state = control.read_state()
    if state is None:
        return None, []
    sqs = control.emulator_client(state, "sqs")
    return sqs, sqs.list_queues(QueueNamePrefix="quartermaster-local").get("QueueUrls", [])


def waiting_messages() -> dict[str, int]:
    """Messages waiting for a handler, per handler queue (not the dead-letter queues)."""
    sqs, urls = _handler_queues()
    waiting = {}
    for url in urls:
        name = url.rsplit("/", 1)[-1].removeprefix("quartermaster-local-")
        if name.endswith(("-dlq", "-failed")):
            continue
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        waiting[name] = int(attributes["ApproximateNumberOfMessages"])
    return waiting


def queues_report() -> list[str]:
    """Messages left in the handlers' queues and their dead-letter queues (lost deliveries)."""
    from qm.local import control

    state = control.read_state()
    if state is None:
        return []
    sqs = control.emulator_client(state, "sqs")
    lines = []
    for url in sqs.list_queues(QueueNamePrefix="quartermaster-local").get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        visible = int(attributes["ApproximateNumberOfMessages"])
        hidden = int(attributes["ApproximateNumberOfMessagesNotVisible"])
        if visible or hidden:
            lines.append(f"  {url.rsplit('/', 1)[-1]}: {visible} waiting, {hidden} in flight")
    return lines
