"""get-sli.finished: evaluate the SLI values against the SLO file and earlier evaluations, and
send evaluation.finished (reference 4.1 step 7, 4.4-4.7)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from chalicelib.domain.evaluations import BaselineFilter, PendingEvaluation
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.slo import SloFile
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.lighthouse import (
    EvaluationOutcome,
    GetSliResult,
    IndicatorValue,
    PreviousEvaluation,
    comparison_settings,
    errored,
    evaluate,
    no_slo_file,
    provider_failure,
)
from chalicelib.errors import InvalidInput
from chalicelib.services.lighthouse.common import LighthouseDeps, finish
from chalicelib.services.lighthouse.providers import merged, part_answer

_VALUES = TypeAdapter(list[IndicatorValue])


def on_get_sli_finished(event: KeptnEvent, deps: LighthouseDeps) -> bool:
    """Finish the evaluation that asked for these SLIs; False when none did (another tool's)."""
    if not event.triggeredid:
        return False
    pending = deps.evaluations.get_pending(event.triggeredid)
    if pending is None:
        return False
    if pending.parts:
        return _on_part(event, pending, deps)
    triggered = KeptnEvent.model_validate(pending.triggered)
    get_sli: dict[str, Any] = event.data.get("get-sli") or {}
    labels = event.data.get("labels")
    outcome = _outcome(event, get_sli, pending, deps)
    finish(triggered, outcome, deps, labels if isinstance(labels, dict) else None)
    deps.evaluations.delete_pending(event.triggeredid)
    return True


def _on_part(event: KeptnEvent, pending: PendingEvaluation, deps: LighthouseDeps) -> bool:
    """One provider's answer to an evaluation asked of several: kept, and when it is the last,
    all are evaluated as one get-sli.finished (chalicelib/services/lighthouse/providers.py)."""
    assert event.triggeredid is not None
    kept = {"provider": pending.provider, **part_answer(event)}
    answers = deps.evaluations.record_part(pending.group, event.triggeredid, kept)
    if set(pending.parts) - set(answers):
        return True  # others have yet to answer
    data = merged([(answers[part]["provider"], answers[part]) for part in pending.parts])
    together = event.model_copy(update={"data": {**event.data, **data}})
    triggered = KeptnEvent.model_validate(pending.triggered)
    labels = data.get("labels")
    outcome = _outcome(together, data["get-sli"], pending, deps)
    finish(triggered, outcome, deps, labels if isinstance(labels, dict) else None)
    for part in pending.parts:
        deps.evaluations.delete_pending(part)
    deps.evaluations.delete_parts(pending.group)
    return True


def _outcome(
    event: KeptnEvent, get_sli: dict[str, Any], pending: PendingEvaluation, deps: LighthouseDeps
) -> EvaluationOutcome:
    start = str(get_sli.get("start") or pending.start)
    end = str(get_sli.get("end") or pending.end)
    try:
        status = GetSliResult.model_validate(
            {key: event.data.get(key) for key in ("status", "result", "message")}
        )
        values = _VALUES.validate_python(get_sli.get("indicatorValues") or [])
    except ValidationError as error:
        return errored(
            f"evaluation performed by lighthouse received an unexpected error: invalid "
            f"get-sli.finished data: {error.errors()[0]['msg']}",
            start,
            end,
        )
    if pending.slo is None:
        failure = provider_failure(status, start, end)
        return failure or no_slo_file(str(event.data.get("project") or ""), start, end)
    try:
        slo = parse_document(pending.slo, SloFile, "slo.yaml")
    except InvalidInput as error:  # it parsed when asked; a newer parser may disagree
        return errored(f"error retrieving SLO file: {error.message}", start, end)
    previous = _previous(pending, slo, deps)
    return evaluate(
        slo,
        values,
        previous,
        status,
        time_start=start,
        time_end=end,
        slo_file_content=pending.slo.encode("utf-8"),
    )


def _previous(
    pending: PendingEvaluation, slo: SloFile, deps: LighthouseDeps
) -> list[PreviousEvaluation]:
    """Earlier evaluations this one compares with, newest first: one Query (reference 4.4)."""
    settings = comparison_settings(slo)
    # Keptn lower-cases the setting; anything but pass / pass_or_warn compares with all.
    include = settings.include_result_with_score.lower()
    selection = next(
        (choice for choice in BaselineFilter if choice.value == include), BaselineFilter.ALL
    )
    data = pending.triggered.get("data") or {}
    records = deps.evaluations.baselines(
        str(data.get("project") or ""),
        str(data.get("stage") or ""),
        str(data.get("service") or ""),
        selection,
        settings.results_to_fetch,
    )
    return [PreviousEvaluation.from_event(record.as_event()) for record in records]
