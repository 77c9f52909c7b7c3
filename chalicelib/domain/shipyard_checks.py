"""Warnings for a valid shipyard: what Keptn accepts but can never work as written.

Keptn's own files must validate unchanged, so these never fail `qm validate` or an upload.
"""

from __future__ import annotations

from chalicelib.domain.shipyard import EVALUATION, Shipyard
from chalicelib.domain.yamldoc import Problem, YamlDocument


def shipyard_warnings(doc: YamlDocument, shipyard: Shipyard) -> list[Problem]:
    """Empty sequences and `triggeredOn` events that no sequence of the shipyard sends."""
    found: list[Problem] = []
    sequences = {
        stage.name: {*stage.sequence_names(), EVALUATION} for stage in shipyard.spec.stages
    }
    for i, stage in enumerate(shipyard.spec.stages):
        for j, sequence in enumerate(stage.sequences):
            at = ("spec", "stages", i, "sequences", j)
            if not sequence.tasks:
                found.append(
                    doc.problem(
                        (*at, "tasks"),
                        f"sequence '{sequence.name}' has no tasks: triggering it ends with an "
                        "error",
                        warning=True,
                    )
                )
            for k, trigger in enumerate(sequence.triggered_on):
                reason = _never_sent(trigger.stage, trigger.sequence, sequences)
                if reason is not None:
                    found.append(
                        doc.problem(
                            (*at, "triggeredOn", k, "event"),
                            f"{reason}: this trigger never fires",
                            trigger.event,
                            warning=True,
                        )
                    )
    return found


def _never_sent(stage: str, sequence: str, sequences: dict[str, set[str]]) -> str | None:
    if stage not in sequences:
        return f"there is no stage '{stage}' (stages: {', '.join(sequences)})"
    if sequence not in sequences[stage]:
        known = ", ".join(sorted(sequences[stage]))
        return f"stage '{stage}' has no sequence '{sequence}' (it has {known})"
    return None
