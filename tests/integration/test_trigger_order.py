"""Runs of one service start in trigger order, whatever order their triggers arrive in."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from tests.integration.conftest import STAGE
from tests.integration.sequencing_harness import Harness, project_flow

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
"""


@pytest.fixture
def flow(aws: None) -> Iterator[Harness]:
    with project_flow(SHIPYARD, start_settle_seconds=1) as harness:
        yield harness


def _put_trigger(n: int) -> None:
    """A tool's trigger put straight on the bus, with the tool's own time."""
    event = {
        "specversion": "1.0",
        "id": f"trigger-{n}",
        "source": "ci",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "time": f"2026-12-04T10:00:0{n}.000Z",
        "shkeptncontext": f"00000000-0000-4000-8000-00000000000{n}",
        "data": {"project": "shop", "stage": "dev", "service": "cart"},
    }
    boto3.client("events").put_events(
        Entries=[
            {
                "Source": "ci",
                "DetailType": event["type"],
                "Detail": json.dumps(event),
                "EventBusName": f"quartermaster-{STAGE}",
            }
        ]
    )


def test_triggers_arriving_in_reverse_start_in_trigger_order(flow: Harness) -> None:
    for n in (3, 2, 1):  # the latest arrives first
        _put_trigger(n)
    contexts = [f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3)]
    started: list[str] = []
    for _ in contexts:
        waiting = flow.pump(
            lambda: next(
                (
                    (context, task)
                    for context in contexts
                    if context not in started
                    for task in flow.triggered(context, "deployment")
                ),
                None,
            )
        )
        started.append(waiting[0])
        flow.answer(waiting[1])
        flow.wait_finished(waiting[0], "dev", "delivery")
    assert started == contexts
