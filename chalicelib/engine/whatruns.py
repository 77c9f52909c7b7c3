"""What runs where, decided from one event: how a successful `deployment.finished`,
`release.finished` or `rollback.finished` changes what a service runs in a stage.

Whoever deployed (Quartermaster's own target executor or a user's tool), a deployment that
finished `succeeded` with `pass` or `warning` runs from then on, and what ran before becomes the
previous deployment; `blue_green_service` stages it instead, until a `release` switches to it
(or a `rollback` discards it). A rollback otherwise brings back the previous deployment (or the
version its `.finished` says it restored). Events older than what is recorded change nothing.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.deployments import StrategyKind
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.outcomes import Result, Status
from chalicelib.domain.service_state import Deployed, ServiceState

DEPLOYMENT_FINISHED = "sh.keptn.event.deployment.finished"
RELEASE_FINISHED = "sh.keptn.event.release.finished"
ROLLBACK_FINISHED = "sh.keptn.event.rollback.finished"
CHANGES = (DEPLOYMENT_FINISHED, RELEASE_FINISHED, ROLLBACK_FINISHED)


def succeeded(event: KeptnEvent) -> bool:
    """A `.finished` whose work was done (the SDK's defaults: succeeded, pass)."""
    status = str(event.data.get("status") or Status.SUCCEEDED)
    result = str(event.data.get("result") or Result.PASS)
    return status == Status.SUCCEEDED and result in (Result.PASS, Result.WARNING)


def observe(
    state: ServiceState, event: KeptnEvent, values: dict[str, Any] | None
) -> ServiceState | None:
    """`state` after `event`; None when it changes nothing. `values` is the deployment's
    `configurationChange.values` (from its `.triggered`, as Keptn reads `deployedImage`)."""
    if event.type not in CHANGES or not succeeded(event):
        return None
    newest = max((d.since for d in (state.deployed, state.staged) if d is not None), default="")
    if event.time < newest:
        return None
    if event.type == DEPLOYMENT_FINISHED:
        return _deployed(state, event, values or {})
    if event.type == RELEASE_FINISHED:
        return _released(state, event)
    return _rolled_back(state, event)


def _deployed(state: ServiceState, event: KeptnEvent, values: dict[str, Any]) -> ServiceState:
    block = _block(event.data, "deployment")
    image = (
        _text(values.get("image")) or _text(block.get("artifact")) or _text(values.get("artifact"))
    )
    version = _text(block.get("version")) or _text(values.get("version")) or image or "unknown"
    deployed = Deployed(
        version=version,
        image=image or "",
        strategy=_text(block.get("deploymentstrategy")) or "",
        keptn_context=event.shkeptncontext,
        event_id=event.id,
        since=event.time,
        source=event.source,
        target=_target(block),
    )
    # What ran before, when only the deployment itself knows it (Quartermaster's targets report
    # the version they replaced): the first deployment seen of a service.
    before = state.deployed
    replaced = _text(block.get("previousVersion"))
    if before is None and replaced is not None and replaced != version:
        before = Deployed(version=replaced, target=_target(block, version=replaced))
    staging = deployed.strategy in (StrategyKind.BLUE_GREEN, "blue_green", "duplicate")
    if staging and before is not None and before.version != version:
        return state.model_copy(update={"deployed": before, "staged": deployed})
    if before is not None and before.version == version:
        return state.model_copy(update={"deployed": deployed, "staged": None})
    return state.model_copy(update={"deployed": deployed, "previous": before, "staged": None})


def _released(state: ServiceState, event: KeptnEvent) -> ServiceState | None:
    if state.staged is None:
        return None
    released = state.staged.model_copy(update={"since": event.time, "event_id": event.id})
    return state.model_copy(
        update={"deployed": released, "previous": state.deployed, "staged": None}
    )


def _rolled_back(state: ServiceState, event: KeptnEvent) -> ServiceState | None:
    if state.staged is not None:
        return state.model_copy(update={"staged": None})
    block = _block(event.data, "rollback")
    if block.get("changed") is False:  # Quartermaster's executor found nothing to roll back
        return None
    restored = _text(block.get("restored"))
    previous = state.previous
    if previous is None and restored is None:
        return None
    if previous is not None and (restored is None or previous.version == restored):
        back = previous.model_copy(update={"since": event.time, "event_id": event.id})
    else:
        back = Deployed(
            version=str(restored),
            keptn_context=event.shkeptncontext,
            event_id=event.id,
            since=event.time,
            source=event.source,
            target=state.deployed.target if state.deployed else "",
        )
    return state.model_copy(update={"deployed": back, "previous": None})


def _target(block: dict[str, Any], version: str | None = None) -> str:
    """Where, in words: "lambda: function carts, alias live, version 7" (with `version`, that
    version of the same target)."""
    target = block.get("target")
    if not isinstance(target, dict):
        return ""
    if version is not None and "version" in target:
        target = {**target, "version": version}
    kind = _text(target.get("type")) or ""
    details = ", ".join(
        f"{key} {value}"
        for key, value in target.items()
        if key not in ("type", "stage") and isinstance(value, str) and value
    )
    return f"{kind}: {details}" if details else kind


def _block(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)
