"""What the fault suite did, printed as a table at the end of the session."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.faults.sweep import Outcome


@dataclass
class Tally:
    rows: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(_row))

    def add(self, mode: str, outcome: Outcome) -> None:
        row = self.rows[str(mode)]
        row["faults injected"] += outcome.struck is not None
        row["runs completed"] += sum(
            value == "pass/succeeded" for value in outcome.finished.values()
        )
        row["runs ended visibly"] += (
            sum(value != "pass/succeeded" for value in outcome.finished.values())
            + outcome.dead_letters
        )
        row["runs stuck"] += (2 - len(outcome.finished)) if outcome.stuck else 0
        row["locks held"] += outcome.lock_held
        row["re-sent, same id"] += len(outcome.duplicates)

    def lines(self) -> list[str]:
        if not self.rows:
            return []
        columns = list(_row())
        header = f"{'mode':<10}" + "".join(f"{c:>20}" for c in columns)
        body = [
            f"{mode:<10}" + "".join(f"{row[c]:>20}" for c in columns)
            for mode, row in self.rows.items()
        ]
        return [header, *body]


def _row() -> dict[str, int]:
    return dict.fromkeys(
        (
            "faults injected",
            "runs completed",
            "runs ended visibly",
            "runs stuck",
            "locks held",
            "re-sent, same id",
        ),
        0,
    )


TALLY = Tally()


@dataclass
class DeployTally:
    """The deployment executor's sweep: canaries completed, ended visibly, stuck."""

    rows: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(_deploy_row))

    def add(self, mode: str, outcome: Any) -> None:
        row = self.rows[str(mode)]
        row["faults injected"] += outcome.struck is not None
        row["canaries completed"] += outcome.completed
        row["ended visibly"] += (not outcome.completed) and outcome.ended_visibly
        row["stuck"] += outcome.stuck

    def lines(self) -> list[str]:
        if not self.rows:
            return []
        columns = list(_deploy_row())
        header = f"{'mode':<10}" + "".join(f"{c:>20}" for c in columns)
        body = [
            f"{mode:<10}" + "".join(f"{row[c]:>20}" for c in columns)
            for mode, row in self.rows.items()
        ]
        return [header, *body]


def _deploy_row() -> dict[str, int]:
    return dict.fromkeys(("faults injected", "canaries completed", "ended visibly", "stuck"), 0)


DEPLOY_TALLY = DeployTally()
