"""The criterion grammar of `slo.yaml` (`<=+10%`, `<600`, `>-5`), as Keptn's lighthouse reads it.

Parsing follows Keptn's lighthouse step by step, including its error strings, because they reach
users verbatim ("error with Response time: invalid criteria string"). It lives in the domain so
that `qm validate` and resource uploads refuse exactly the criteria an evaluation would fail on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from chalicelib.domain.gonum import parse_go_float
from chalicelib.errors import InvalidInput

INVALID_CRITERIA = "invalid criteria string"
INVALID_TARGET = "could not parse criteria target value"

# Order matters: the first operator that prefixes the string wins, so "=>5" reads as "=" + ">5".
OPERATORS = ("<=", "<", "=", ">=", ">")
# Keptn checks the first character against the regex class [<|<=|=|>|>=], which also holds '|'.
_OPERATOR_CHARACTERS = frozenset("<=>|")


class CriteriaError(InvalidInput):
    """A criterion cannot be parsed or compared; the message is Keptn's own wording."""


@dataclass(frozen=True, slots=True)
class Criterion:
    """A parsed criterion. `relative` criteria are checked against the baseline of earlier runs."""

    text: str
    operator: str
    value: float
    percentage: bool
    relative: bool
    increase: bool

    def target(self, baseline: float) -> float:
        """The value the measurement is compared with, given the aggregated baseline."""
        if not self.relative:
            return self.value
        # Same operation order as Keptn, so the floats are bit-identical.
        if self.percentage and self.increase:
            return (baseline * (100.0 + self.value)) / 100.0
        if self.percentage:
            return (baseline * (100.0 - self.value)) / 100.0
        if self.increase:
            return baseline + self.value
        return baseline - self.value


def parse_criterion(text: str) -> Criterion:
    """Parse one criterion string; raise CriteriaError with Keptn's message when it is invalid."""
    parsed = _parse_cached(text)
    if isinstance(parsed, CriteriaError):
        raise CriteriaError(parsed.message)
    return parsed


@lru_cache(maxsize=8192)
def _parse_cached(text: str) -> Criterion | CriteriaError:
    # Criteria repeat across objectives and runs; caching the outcome (errors included) keeps
    # parsing out of the per-evaluation cost.
    rest = text.replace(" ", "")
    if not rest or rest[0] not in _OPERATOR_CHARACTERS:
        return CriteriaError(INVALID_CRITERIA)
    operator = ""
    for candidate in OPERATORS:
        if rest.startswith(candidate):
            operator = candidate
            rest = rest[len(candidate) :]
            break
    percentage = relative = increase = False
    if rest.endswith("%"):
        # Keptn issue 1498: a '%' alone makes the criterion relative (an increase).
        percentage = relative = increase = True
        rest = rest[:-1]
    if rest.startswith("-"):
        relative, increase = True, False
        rest = rest[1:]
    elif rest.startswith("+"):
        relative, increase = True, True
        rest = rest[1:]
    value = parse_go_float(rest)
    if value is None:
        return CriteriaError(INVALID_TARGET)
    return Criterion(text, operator, value, percentage, relative, increase)
