"""The scenarios recorded for the replay tests: what a user and a tool do, step by step.

Each `play` drives a `Session` (tests/replay/session.py): triggers and answers go through the
API as a tool would send them, controls and approval decisions through their routes, and the
session waits for the control plane's events in between. After `play`, every delayed message
still held comes (a settle message of an API call that went through changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.replay.session import Session

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: direct
            - name: test
    - name: prod
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: approval
              properties:
                pass: manual
                warning: manual
            - name: deployment
"""
# One stage: runs that end stay ended (nothing chains into a stage that would wait).
DEV_ONLY = SHIPYARD[: SHIPYARD.index("    - name: prod")]


@dataclass(frozen=True)
class Scenario:
    description: str
    play: Callable[[Session], None]
    shipyard: str = SHIPYARD
    # The deployment's answer deadline in seconds (None: its default, never reached here).
    answer_seconds: int | None = None


def _chained(session: Session) -> None:
    session.trigger(1)
    session.answer(session.wait("deployment.triggered"))
    session.answer(session.wait("test.triggered"))
    session.wait("dev.delivery.finished")
    approval = session.wait("approval.waiting")
    session.decide(approval, "approve", "looks good")
    session.answer(session.wait("deployment.triggered", stage="prod"))
    session.wait("prod.delivery.finished")


def _failing(session: Session) -> None:
    session.trigger(1)
    session.answer(session.wait("deployment.triggered"), result="fail")
    session.wait("dev.delivery.finished")


def _declined(session: Session) -> None:
    session.trigger(1, stage="prod")
    approval = session.wait("approval.waiting")
    session.decide(approval, "decline", "not today")
    session.wait("prod.delivery.finished")
    session.decide(approval, "approve")  # a second decision is refused (409)


def _paused(session: Session) -> None:
    context = session.trigger(1)
    deployment = session.wait("deployment.triggered")
    session.control(context, "pause")
    session.answer(deployment)  # the running task still finishes; the next one is held
    session.quiet()
    session.control(context, "resume")
    session.answer(session.wait("test.triggered"))
    session.wait("dev.delivery.finished")


def _abort_queued(session: Session) -> None:
    session.trigger(1)
    deployment = session.wait("deployment.triggered")
    queued = session.trigger(2)  # the same service: waits behind the first
    session.quiet()
    session.control(queued, "abort")
    session.wait("dev.delivery.finished")
    session.answer(deployment)
    session.answer(session.wait("test.triggered"))
    session.wait("dev.delivery.finished", count=2)


def _abort_running(session: Session) -> None:
    running = session.trigger(1)
    deployment = session.wait("deployment.triggered")
    session.trigger(2)  # waits behind the first
    session.control(running, "abort")
    session.wait("dev.delivery.finished")
    session.answer(deployment)  # late: the aborted run ignores it
    session.answer(session.wait("deployment.triggered", count=2))  # the second run started
    session.answer(session.wait("test.triggered"))
    session.wait("dev.delivery.finished", count=2)


def _no_answer(session: Session) -> None:
    session.trigger(1)
    session.answer(session.wait("deployment.triggered"))  # in time: no deadline comes
    session.wait("test.triggered")  # and nobody answers it: its Task state's heartbeat runs out
    session.wait("dev.delivery.finished")


def _execution_failed(session: Session) -> None:
    session.trigger(1)
    session.trigger(2)  # the same service: waits behind the first
    session.fail_task(session.wait("deployment.triggered"), "Broken", "failed by an operator")
    session.wait("dev.delivery.finished")
    session.answer(session.wait("deployment.triggered", count=2))  # the queued run started
    session.answer(session.wait("test.triggered"))
    session.wait("dev.delivery.finished", count=2)


SCENARIOS: dict[str, Scenario] = {
    "chained-delivery": Scenario(
        "dev delivery (two tasks answered) chains to prod, whose manual approval is approved "
        "through the API; then prod's deployment",
        _chained,
    ),
    "failing-task": Scenario(
        "the deployment finishes with result fail: the sequence ends fail, nothing chains",
        _failing,
    ),
    "approval-declined": Scenario(
        "a manual approval declined through the API ends the sequence; deciding again is refused",
        _declined,
    ),
    "pause-resume": Scenario(
        "pause while the deployment runs: it finishes, the test is held until resumed",
        _paused,
        DEV_ONLY,
    ),
    "abort-queued": Scenario(
        "a second trigger for the same service waits; aborting it ends it at once, the first "
        "runs on",
        _abort_queued,
        DEV_ONLY,
    ),
    "abort-running": Scenario(
        "aborting the running run stops its execution and starts the queued one; the aborted "
        "run's late answers change nothing",
        _abort_running,
        DEV_ONLY,
    ),
    "answer-deadline": Scenario(
        "the test task gets no answer by its deadline (the Task state's heartbeat): the run "
        "times out and its execution is stopped",
        _no_answer,
        DEV_ONLY,
        answer_seconds=4,
    ),
    "execution-failed": Scenario(
        "the execution fails outside the control plane (its task failed with its token): the "
        "reconciler ends the run and the queued one starts",
        _execution_failed,
        DEV_ONLY,
    ),
}
