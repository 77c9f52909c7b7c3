"""What the contract tests saw, per description, operation and check; printed as a table at
the end of the run (tests/contract/conftest.py) and asserted on by each test."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class CheckFailure:
    check: str
    title: str
    message: str
    curl: str
    expected: str | None  # the reason, when the failure is a known deviation owned elsewhere


@dataclass
class OperationResult:
    target: str
    operation: str
    requests: int = 0
    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    expected: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[CheckFailure] = field(default_factory=list)

    def record(self, failure: CheckFailure) -> None:
        self.failed[failure.check] += 1
        if failure.expected:
            self.expected[failure.check] += 1
        # One example per kind (check, title, expected or not) is enough to reproduce it.
        kind = (failure.check, failure.title, failure.expected)
        if not any((known.check, known.title, known.expected) == kind for known in self.failures):
            self.failures.append(failure)

    def unexpected(self) -> list[CheckFailure]:
        return [failure for failure in self.failures if failure.expected is None]


RESULTS: list[OperationResult] = []


def summary_lines() -> list[str]:
    """Per description: operations, requests, and per check the passes and failures."""
    if not RESULTS:
        return []
    lines = [
        f"{'description':<22} {'check':<30} {'operations':>10} {'requests':>9} "
        f"{'passed':>7} {'failed':>7} {'expected':>9}"
    ]
    for target in dict.fromkeys(result.target for result in RESULTS):
        mine = [result for result in RESULTS if result.target == target]
        checks = dict.fromkeys(name for result in mine for name in (*result.passed, *result.failed))
        requests = sum(result.requests for result in mine)
        for check in checks:
            expected = sum(result.expected[check] for result in mine)
            lines.append(
                f"{target:<22} {check:<30} {len(mine):>10} {requests:>9} "
                f"{sum(r.passed[check] for r in mine):>7} {sum(r.failed[check] for r in mine):>7} "
                f"{expected:>9}"
            )
    lines.append("")
    for target in dict.fromkeys(result.target for result in RESULTS):
        statuses: Counter[int] = Counter()
        for result in RESULTS:
            if result.target == target:
                statuses.update(result.statuses)
        spread = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        lines.append(f"{target:<22} answers by status: {spread}")
    lines.append("")
    for result in RESULTS:
        for failure in result.failures:
            state = f"EXPECTED ({failure.expected})" if failure.expected else "FAILED"
            lines.append(f"{state} {result.target} {result.operation} [{failure.check}]")
            lines.append(f"    {failure.title}: {_first_line(failure.message)[:300]}")
            lines.append(f"    {_shorten(failure.curl)}")
    return lines


def _first_line(text: str) -> str:
    return next(iter(text.splitlines()), "")


def _shorten(curl: str, limit: int = 400) -> str:
    return curl if len(curl) <= limit else curl[:limit] + f"... ({len(curl)} characters)"
