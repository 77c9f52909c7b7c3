"""Which lighthouse step an event on the bus calls for."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from chalicelib.domain.evaluations import MonitoringSettings
from chalicelib.domain.event_types import MONITORING_CONFIGURE
from chalicelib.domain.events import KeptnEvent
from chalicelib.services.lighthouse.answered import on_get_sli_finished
from chalicelib.services.lighthouse.common import LighthouseDeps, get_sli_type
from chalicelib.services.lighthouse.triggered import on_evaluation_triggered

log = logging.getLogger("quartermaster-handlers.lighthouse")

EVALUATION_TRIGGERED = "sh.keptn.event.evaluation.triggered"
EVALUATION_INVALIDATED = "sh.keptn.event.evaluation.invalidated"


def on_bus_event(event: KeptnEvent, deps: LighthouseDeps) -> None:
    if event.type == EVALUATION_TRIGGERED:
        on_evaluation_triggered(event, deps)
    elif event.type == get_sli_type("finished"):
        on_get_sli_finished(event, deps)
    elif event.type == EVALUATION_INVALIDATED:
        on_evaluation_invalidated(event, deps)
    elif event.type == MONITORING_CONFIGURE:
        on_monitoring_configure(event, deps)


def on_evaluation_invalidated(event: KeptnEvent, deps: LighthouseDeps) -> bool:
    """Leave the evaluation (`triggeredid` = its evaluation.triggered) out of later baselines."""
    if not event.triggeredid or not deps.evaluations.invalidate(event.triggeredid):
        log.warning("evaluation.invalidated names no stored evaluation: %s", event.triggeredid)
        return False
    return True


def on_monitoring_configure(event: KeptnEvent, deps: LighthouseDeps) -> bool:
    """Keptn's `monitoring.configure` (data.type = the provider) sets the project's provider.
    A Prometheus URL cannot come this way: an existing one is kept, else nothing changes."""
    project = str(event.data.get("project") or "")
    provider = str(event.data.get("type") or "")
    current = deps.evaluations.get_monitoring(project)
    keep = current is not None and current.provider == provider
    try:
        settings = MonitoringSettings(
            provider=provider,
            url=current.url if keep and current else None,
            secret=current.secret if keep and current else None,
        )
    except ValidationError as error:
        log.warning("monitoring.configure for project %s ignored: %s", project, error)
        return False
    deps.evaluations.put_monitoring(project, settings)
    return True
