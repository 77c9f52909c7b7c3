"""The contract suite's runtime fixture and its summary table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.results import summary_lines
from tests.contract.runtime import Runtime, running


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """Stopped when the module's tests end, so it never runs beside the e2e tests' own."""
    with running(tmp_path_factory.mktemp("qm-home-contract")) as started:
        yield started


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = summary_lines()
    if lines:
        terminalreporter.section("API contract (schemathesis)")
        for line in lines:
            terminalreporter.write_line(line)
