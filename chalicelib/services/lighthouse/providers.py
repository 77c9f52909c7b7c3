"""Evaluations asked of several SLI providers (a project's `provider` and its `also` list,
docs/sli-providers.md): which provider measures which SLI, and the one answer they make
together.

Each SLI goes to the first provider, in the project's order, whose `<provider>/sli.yaml` (of the
project, the run's stage or its service, at the run's commit) defines it; an SLI no provider's own
file defines goes to the main provider (it may be in the plain `sli.yaml`). Each provider with SLIs
gets a get-sli.triggered of its own, with only its SLIs. The answers are collected (`record_part` of
chalicelib/ports/evaluations.py, one atomic write each) and, when all are in, evaluated as one: the
values together, and the first failing answer's status, result and message (naming its provider), so
one provider's failure fails the evaluation as it would alone.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ResourceScope
from chalicelib.domain.sli import SliFile
from chalicelib.domain.yamldoc import parse_document
from chalicelib.errors import QuartermasterError
from chalicelib.ports import ConfigStore

SLI_FILE = "sli.yaml"


def defined_by(event: KeptnEvent, provider: str, config: ConfigStore) -> set[str]:
    """The SLIs `<provider>/sli.yaml` defines for the event's project, stage and service (a
    file that cannot be read defines none: the provider reports its own file's problems)."""
    project = str(event.data.get("project") or "")
    stage = str(event.data.get("stage") or "")
    service = str(event.data.get("service") or "")
    names: set[str] = set()
    for scope in (
        ResourceScope(project=project),
        ResourceScope(project=project, stage=stage),
        ResourceScope(project=project, stage=stage, service=service),
    ):
        uri = f"{provider}/{SLI_FILE}"
        resource = config.get_resource(scope, uri, event.gitcommitid or None)
        if resource is None:
            continue
        try:
            text = resource.content.decode("utf-8")
            names.update(parse_document(text, SliFile, uri).indicators)
        except (UnicodeDecodeError, QuartermasterError, ValueError):
            continue
    return names


def split(
    event: KeptnEvent, providers: list[str], indicators: list[str], config: ConfigStore
) -> list[tuple[str, list[str]]]:
    """(provider, its SLIs) for each provider that measures any, in the project's order; the
    main provider alone when there is one provider, or no SLI at all."""
    if len(providers) == 1 or not indicators:
        return [(providers[0], indicators)]
    defined = {provider: defined_by(event, provider, config) for provider in providers}
    assigned: dict[str, list[str]] = {provider: [] for provider in providers}
    for sli in indicators:
        owner = next((p for p in providers if sli in defined[p]), providers[0])
        assigned[owner].append(sli)
    return [(provider, slis) for provider, slis in assigned.items() if slis]


def part_answer(event: KeptnEvent) -> dict[str, Any]:
    """What is kept of one provider's get-sli.finished."""
    keys = ("status", "result", "message", "get-sli", "labels")
    return {key: event.data[key] for key in keys if key in event.data}


def merged(answers: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The data of one get-sli.finished made of every provider's answer (in the project's
    order): all values, the first failing answer's status."""
    values: list[Any] = []
    for _, answer in answers:
        block = answer.get("get-sli")
        found = block.get("indicatorValues") if isinstance(block, dict) else None
        if isinstance(found, list):
            values.extend(found)
    first = answers[0][1]
    failing = next(
        (
            (provider, answer)
            for provider, answer in answers
            if answer.get("status") not in (None, "succeeded")
            or answer.get("result") not in (None, "pass")
        ),
        None,
    )
    data: dict[str, Any] = {
        "status": first.get("status", "succeeded"),
        "result": first.get("result", "pass"),
    }
    if failing is not None:
        provider, answer = failing
        data["status"] = answer.get("status")
        data["result"] = answer.get("result")
        data["message"] = f"SLI provider {provider}: {answer.get('message') or 'failed'}"
    block = first.get("get-sli")
    data["get-sli"] = {**(block if isinstance(block, dict) else {}), "indicatorValues": values}
    labels = first.get("labels")
    if isinstance(labels, dict):
        data["labels"] = labels
    return data
