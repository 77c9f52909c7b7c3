"""Prints the fault suite's table (tests/faults/tally.py) when the session ends."""

from __future__ import annotations

from typing import Any

from tests.faults.tally import DEPLOY_TALLY, TALLY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = TALLY.lines()
    if lines:
        terminalreporter.section("sequencing fault suite")
        for line in lines:
            terminalreporter.write_line(line)
    from tests.faults.test_webhook_faults import WEBHOOKS

    if WEBHOOKS:
        terminalreporter.section("webhook fault suite")
        for line in WEBHOOKS:
            terminalreporter.write_line(line)
    deploy = DEPLOY_TALLY.lines()
    if deploy:
        terminalreporter.section("deployment executor fault suite")
        for line in deploy:
            terminalreporter.write_line(line)
