"""The configuration change an approval is about: the diff since the last deployment.

The change to be approved is the configuration version the run is pinned to (the
`approval.triggered` event's `gitcommitid`). The last deployment of the same project, stage and
service is the newest `deployment.finished` with result pass or warning of an earlier run: its
`gitcommitid`, or, when the tool that answered did not echo one, that of the
`deployment.triggered` it answered (the version the control plane sent it). Both reads are
Queries on the event store's indexes, newest first. The diff covers the service's files in that
stage; with no earlier deployment, every file is added.

This is a notification for a person: it must never keep an approval from waiting, so
`waiting_diff` reports a failure in the result instead of raising.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.event_query import EventQuery
from chalicelib.domain.event_types import task_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.domain.projects import ResourceScope
from chalicelib.engine.completion import PASS, WARNING
from chalicelib.engine.config_diff import ConfigDiff, diff_files
from chalicelib.errors import QuartermasterError
from chalicelib.ports import ConfigStore, EventStore

log = logging.getLogger("quartermaster-handlers.approvals")

DEPLOYMENT = "deployment"
# Enough to step over this run's own deployments (a sequence may deploy before approving).
RECENT_DEPLOYMENTS = 10


def waiting_diff(triggered: KeptnEvent, events: EventStore, config: ConfigStore) -> dict[str, Any]:
    """The `configurationDiff` of the `approval.waiting` for `triggered`; on any failure an
    object with `error` (and a warning in the log), never an exception."""
    try:
        return configuration_diff(triggered, events, config).to_data()
    except Exception as error:  # a notification must not stop the approval (module docstring)
        reason = error.message if isinstance(error, QuartermasterError) else repr(error)
        log.warning(
            "approval %s waits without a configuration diff: %s",
            triggered.id,
            reason,
            exc_info=not isinstance(error, QuartermasterError),
        )
        return {
            "toCommit": triggered.gitcommitid,
            "error": f"the configuration diff could not be computed: {reason}",
        }


def configuration_diff(
    triggered: KeptnEvent, events: EventStore, config: ConfigStore
) -> ConfigDiff:
    """The diff between the last deployment's configuration and the one to be approved."""
    project, stage, service = triggered.project, triggered.stage, triggered.service
    if not (project and stage and service):
        raise QuartermasterError(
            f"approval {triggered.id} names no project, stage and service to compare"
        )
    to_commit = triggered.gitcommitid
    if not to_commit:
        raise QuartermasterError(
            f"approval {triggered.id} carries no gitcommitid: the version to deploy is unknown"
        )
    scope = ResourceScope(project=project, stage=stage, service=service)
    from_commit = last_deployed_commit(triggered, events)
    before = (
        {r.uri: r.content for r in config.list_resources(scope, from_commit)} if from_commit else {}
    )
    after = {r.uri: r.content for r in config.list_resources(scope, to_commit)}
    return diff_files(before, after, from_commit, to_commit)


def last_deployed_commit(triggered: KeptnEvent, events: EventStore) -> str | None:
    """The configuration version of the newest successful deployment of the triggered event's
    service in its stage, by an earlier run; None when there is none."""
    page = events.query(
        EventQuery(
            project=triggered.project,
            stage=triggered.stage,
            service=triggered.service,
            type=task_event_type(DEPLOYMENT, "finished"),
            results=(PASS, WARNING),
            page_size=RECENT_DEPLOYMENTS,
        )
    )
    for finished in page.events:
        if finished.shkeptncontext == triggered.shkeptncontext:
            continue  # this run's own deployment is not what it changes
        commit = finished.gitcommitid or _triggered_commit(finished, events)
        if not commit:
            # Comparing with an older deployment instead would show changes already deployed.
            raise QuartermasterError(
                f"the last deployment ({finished.type} {finished.id} from {finished.source}) "
                "names no gitcommitid, nor does the deployment.triggered it answers"
            )
        return commit
    return None


def _triggered_commit(finished: KeptnEvent, events: EventStore) -> str | None:
    """The version the control plane sent with the `deployment.triggered` `finished` answers."""
    if not finished.triggeredid:
        return None
    page = events.query(
        EventQuery(
            event_id=finished.triggeredid,
            project=finished.project,
            type=task_event_type(DEPLOYMENT, "triggered"),
            page_size=1,
        )
    )
    return next((event.gitcommitid for event in page.events if event.gitcommitid), None)
