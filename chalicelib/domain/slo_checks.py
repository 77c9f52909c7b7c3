"""What the SLO model cannot say about an `slo.yaml`: criteria and thresholds the lighthouse
cannot read (errors) and settings that are valid but almost certainly not what was meant
(warnings).

The model accepts every file Keptn's decoder accepts, because the lighthouse must evaluate those
files as Keptn did. These checks come on top, for `qm validate` and uploads: an unreadable
criterion or threshold makes every evaluation fail or end errored, so it is an error; the
warnings name a rule of Keptn's evaluation that silently changes what the file seems to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.docmodel import Loc
from chalicelib.domain.gonum import format_go_float, parse_go_float
from chalicelib.domain.slo import SloFile, SloObjective, scalar_as_text
from chalicelib.domain.slo_criteria import CriteriaError, Criterion, parse_criterion
from chalicelib.domain.yamldoc import Problem, YamlDocument

CRITERIA_HELP = (
    "write an operator (<, <=, =, >=, >) and a number, optionally with +/- and % for a "
    "comparison with earlier results, such as '<600', '<=+10%' or '>-5'"
)
_CRITERIA_KINDS = ("pass", "warning")
_COMPARE_WITH = ("single_result", "several_results")
_INCLUDE = ("pass", "pass_or_warn", "all")
_AGGREGATE = ("avg", "p50", "p90", "p95")


def slo_errors(doc: YamlDocument) -> list[Problem]:
    """Criteria and total_score thresholds the lighthouse cannot read, found in the raw data
    so that they are reported together with the model's own errors."""
    data = doc.data if isinstance(doc.data, dict) else {}
    problems: list[Problem] = []
    objectives = data.get("objectives")
    for index, objective in enumerate(objectives if isinstance(objectives, list) else []):
        if not isinstance(objective, dict):
            continue
        for kind in _CRITERIA_KINDS:
            for path, text in _raw_criteria(objective.get(kind), ("objectives", index, kind)):
                try:
                    parse_criterion(text)
                except CriteriaError as exc:
                    effect = (
                        "the evaluation fails with 'error with <objective>: ...'"
                        if kind == "pass"
                        else "the warning criteria can never be met"
                    )
                    problems.append(
                        doc.problem(path, f"{exc.message}: {effect}; {_criteria_hint(text)}", text)
                    )
    problems.extend(_threshold_errors(doc, data.get("total_score")))
    return problems


def _criteria_hint(text: str) -> str:
    compact = text.replace(" ", "")
    for written, meant in (("=<", "<="), ("=>", ">="), ("==", "=")):
        if compact.startswith(written):
            return f"the operator is '{meant}', not '{written}'"
    return CRITERIA_HELP


def _raw_criteria(sets: Any, path: Loc) -> list[tuple[Loc, str]]:
    found: list[tuple[Loc, str]] = []
    for set_index, entry in enumerate(sets if isinstance(sets, list) else []):
        criteria = entry.get("criteria") if isinstance(entry, dict) else None
        for index, item in enumerate(criteria if isinstance(criteria, list) else []):
            text = scalar_as_text(item)
            if isinstance(text, str):
                found.append(((*path, set_index, "criteria", index), text))
    return found


def _threshold_errors(doc: YamlDocument, total: Any) -> list[Problem]:
    if total is not None and not isinstance(total, dict):
        return []  # the model reports a total_score that is not a mapping
    total = total or {}
    problems = []
    for key in ("pass", "warning"):
        text = scalar_as_text(total.get(key))
        if isinstance(text, str) and text and _threshold(text) is None:
            problems.append(
                doc.problem(
                    ("total_score", key),
                    f"must be a number, optionally followed by '%' (such as '90%'): every "
                    f"evaluation would end errored ('could not parse {key} target percentage')",
                    text,
                )
            )
    return problems


def _threshold(text: str) -> float | None:
    return parse_go_float(text.removesuffix("%"))


@dataclass
class _Warnings:
    doc: YamlDocument
    found: list[Problem]

    def add(self, path: Loc, message: str, value: Any = None) -> None:
        self.found.append(self.doc.problem(path, message, value, warning=True))


def slo_warnings(doc: YamlDocument, slo: SloFile) -> list[Problem]:
    """Valid but suspicious settings of a valid SLO file, each with what the lighthouse does."""
    out = _Warnings(doc, [])
    entries = slo.objectives or []
    has_target = slo.total_score is not None and bool(slo.total_score.pass_)
    # Without a pass target the evaluation ends errored before objectives matter.
    if has_target and not any(entry is not None for entry in entries):
        out.add(
            ("objectives",) if "objectives" in doc.data else (),
            "no objectives: every evaluation fails ('no SLO objective was provided')",
        )
    first_of: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry is None:
            continue
        _objective_warnings(out, index, entry)
        sli = entry.sli or ""
        if sli and sli in first_of:
            out.add(
                ("objectives", index, "sli"),
                f"SLI '{sli}' is already used by objectives[{first_of[sli]}]: the lighthouse "
                "gives each value to the first objective only, so this one never gets a value "
                "(and fails if it has pass criteria)",
                sli,
            )
        else:
            first_of[sli] = index
    _comparison_warnings(out, slo)
    _score_warnings(out, slo, entries)
    return out.found


def _objective_warnings(out: _Warnings, index: int, entry: SloObjective) -> None:
    at: Loc = ("objectives", index)
    if not entry.sli:
        out.add(at, "the objective names no 'sli': no value can ever match it")
    if entry.weight is not None and int(entry.weight) == 0:
        out.add(
            (*at, "weight"),
            "a weight of 0 counts as 1 (Keptn's default; a fraction below 1 is read as 0), it "
            "does not switch the objective off; "
            "remove its pass criteria to make it informational",
            entry.weight,
        )
    elif entry.weight is not None and entry.weight != int(entry.weight):
        out.add(
            (*at, "weight"),
            f"weights are whole numbers: this one counts as {int(entry.weight)}",
            entry.weight,
        )
    if entry.key_sli and not entry.pass_:
        out.add(
            (*at, "key_sli"),
            "key_sli has no effect on an objective without pass criteria (it is only "
            "informational); add pass criteria or remove key_sli",
            True,
        )
    for kind, sets in (("pass", entry.pass_), ("warning", entry.warning)):
        for set_index, criteria_set in enumerate(sets or []):
            where: Loc = (*at, kind, set_index)
            if not criteria_set.criteria:
                out.add(where, _empty_set_effect(kind, entry))
                continue
            contradiction = _contradiction(criteria_set.criteria)
            if contradiction is not None:
                out.add((*where, "criteria"), contradiction)


def _empty_set_effect(kind: str, entry: SloObjective) -> str:
    if kind == "warning":
        return (
            "a warning criteria set without criteria always holds: the objective is a "
            "warning whenever its pass criteria fail"
        )
    message = "a pass criteria set without criteria always holds: the objective always passes"
    if all(not criteria_set.criteria for criteria_set in entry.pass_ or []):
        # No pass targets: Keptn leaves the objective's score out of the total, not its weight.
        message += ", yet with no criteria at all its score never counts while its weight does"
    return message


def _contradiction(criteria: list[str]) -> str | None:
    """Why no value can meet all of these (AND-combined) criteria, or None.

    Only absolute criteria are compared: relative ones depend on the baseline of earlier runs.
    """
    parsed: list[Criterion] = []
    for text in criteria:
        try:
            criterion = parse_criterion(text)
        except CriteriaError:
            return None  # reported as an error
        if not criterion.relative:
            parsed.append(criterion)
    low = max((c for c in parsed if c.operator in (">", ">=", "=")), key=_lower, default=None)
    high = min((c for c in parsed if c.operator in ("<", "<=", "=")), key=_upper, default=None)
    if low is None or high is None:
        return None
    empty = low.value > high.value or (
        low.value == high.value and (low.operator == ">" or high.operator == "<")
    )
    if not empty:
        return None
    first, second = sorted((low, high), key=lambda criterion: criteria.index(criterion.text))
    return (
        f"no value can meet both '{first.text}' and '{second.text}' (criteria in one set must all "
        "hold): this set never holds; use separate sets for alternatives"
    )


def _lower(criterion: Criterion) -> tuple[float, int]:
    # The strictest lower bound: the largest value, '>' stricter than '>=' at the same value.
    return criterion.value, 1 if criterion.operator == ">" else 0


def _upper(criterion: Criterion) -> tuple[float, int]:
    return criterion.value, -1 if criterion.operator == "<" else 0


def _comparison_warnings(out: _Warnings, slo: SloFile) -> None:
    block = slo.comparison
    if block is None:
        return
    at: Loc = ("comparison",)
    if block.compare_with and block.compare_with not in _COMPARE_WITH:
        out.add(
            (*at, "compare_with"),
            "unknown compare_with: the lighthouse compares with the last 3 results; "
            f"use {' or '.join(_COMPARE_WITH)}",
            block.compare_with,
        )
    include = block.include_result_with_score
    if include and include.lower() not in _INCLUDE:
        out.add(
            (*at, "include_result_with_score"),
            "unknown include_result_with_score: earlier results are used whatever their "
            f"result (as with 'all'); use {', '.join(_INCLUDE)}",
            include,
        )
    if block.aggregate_function and block.aggregate_function not in _AGGREGATE:
        out.add(
            (*at, "aggregate_function"),
            "unknown aggregate_function: the baseline is 0, so relative criteria compare "
            f"with 0; use {', '.join(_AGGREGATE)}",
            block.aggregate_function,
        )
    count = block.number_of_comparison_results
    if count is not None and int(count) > 1 and block.compare_with == "single_result":
        out.add(
            (*at, "number_of_comparison_results"),
            "ignored with compare_with: single_result (only the last result is used); "
            "use compare_with: several_results",
            block.number_of_comparison_results,
        )


def _score_warnings(out: _Warnings, slo: SloFile, entries: list[SloObjective | None]) -> None:
    total = slo.total_score
    if total is None or not total.pass_:
        # A warning, not an error: Keptn's own examples include such a file (slo_empty.yaml).
        out.add(
            ("total_score",) if total is not None else (),
            "no total_score.pass: every evaluation ends errored ('no target score defined'); "
            "add e.g. total_score: {pass: '90%', warning: '75%'}",
        )
    passing = _threshold(total.pass_) if total is not None and total.pass_ else None
    warning = _threshold(total.warning) if total is not None and total.warning else None
    scored = any(entry is not None and entry.pass_ for entry in entries)
    if passing is not None and passing > 100 and scored:
        out.add(
            ("total_score", "pass"),
            "scores go up to 100%: no evaluation with scored objectives can pass",
            total.pass_ if total is not None else None,
        )
    if passing is not None and warning is not None and warning > passing:
        out.add(
            ("total_score", "warning"),
            f"above total_score.pass ({format_go_float(passing)}): an evaluation is never a "
            "warning, a score below pass fails",
            total.warning if total is not None else None,
        )
