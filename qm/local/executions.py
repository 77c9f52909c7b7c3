"""Step Functions' execution status changes, as the embedded runtime's emulator does not send them.

In AWS, Step Functions puts a `Step Functions Execution Status Change` event on the account's
default bus whenever an execution ends; the reconciler's rule listens for the failed, timed-out
and stopped ones. moto runs executions but sends no such events, so the local runtime looks at
the executions of the deployment's state machines and sends each end once, shaped as AWS does.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

log = logging.getLogger("qm.local")
ENDED = ("FAILED", "TIMED_OUT", "ABORTED")


class ExecutionReporter:
    """Sends one status-change event per ended execution of `qm-<stage>-*` machines."""

    def __init__(self, stepfunctions: Any, events: Any, stage: str) -> None:
        self._sfn = stepfunctions
        self._events = events
        self._prefix = f"qm-{stage}-"
        self._reported: set[str] = set()

    def report(self) -> int:
        """One look at every machine; how many ends were sent."""
        sent = 0
        machines = self._sfn.get_paginator("list_state_machines").paginate()
        for page in machines:
            for machine in page["stateMachines"]:
                if machine["name"].startswith(self._prefix):
                    sent += self._report_machine(machine["stateMachineArn"])
        return sent

    def _report_machine(self, machine_arn: str) -> int:
        sent = 0
        for status in ENDED:
            pages = self._sfn.get_paginator("list_executions").paginate(
                stateMachineArn=machine_arn, statusFilter=status
            )
            for page in pages:
                for execution in page["executions"]:
                    if execution["executionArn"] in self._reported:
                        continue
                    self._send(machine_arn, execution, status)
                    self._reported.add(execution["executionArn"])
                    sent += 1
        return sent

    def _send(self, machine_arn: str, execution: dict[str, Any], status: str) -> None:
        described = self._sfn.describe_execution(executionArn=execution["executionArn"])
        detail = {
            "executionArn": execution["executionArn"],
            "stateMachineArn": machine_arn,
            "name": execution["name"],
            "status": status,
            "error": described.get("error"),
            "cause": described.get("cause"),
            "input": described.get("input"),
        }
        self._events.put_events(Entries=[status_change_entry(detail)])

    def run(self, stop: threading.Event, every: float) -> None:
        """Look every `every` seconds until stopped (the body of the runtime's thread)."""
        while not stop.wait(every):
            try:
                self.report()
            except Exception:
                log.exception("looking at executions failed; looking again")


def status_change_entry(detail: dict[str, Any]) -> dict[str, Any]:
    """The default-bus entry Step Functions puts for an execution's status change."""
    return {
        "Source": "aws.states",
        "DetailType": "Step Functions Execution Status Change",
        "Detail": json.dumps({k: v for k, v in detail.items() if v is not None}),
        "EventBusName": "default",
    }
