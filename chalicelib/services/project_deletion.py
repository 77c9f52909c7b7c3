"""Deleting a project so that nothing of it outlives it: a project created again under the
same name starts empty (no runs holding its services, nothing deployed, no baselines).

The order makes an interrupted deletion safe to repeat: the project is first marked (every
read treats it as gone, triggers are refused, its name cannot be taken), then its active runs
are aborted with the reason, its uniform's rules are asked to go, what runs where, its last
deployments, evaluations and monitoring settings are removed, and the project's own items go
last. A retry finds the mark and does each step again; each is harmless twice. The events stay:
they are the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.events import format_time
from chalicelib.errors import NotFound
from chalicelib.ports import ApplyRequests, ConfigStore, DeploymentStore, EvaluationStore
from chalicelib.ports import ServiceStates as ServiceStatesPort

AbortRuns = Callable[[str], int]  # a project's name -> how many active runs it aborted


@dataclass(frozen=True)
class DeletionDeps:
    config: ConfigStore
    clock: Callable[[], datetime]
    abort_runs: AbortRuns
    evaluations: EvaluationStore
    service_states: ServiceStatesPort | None = None
    deployments: DeploymentStore | None = None
    apply_requests: ApplyRequests | None = None


def delete_project(name: str, deps: DeletionDeps) -> str:
    """Delete `name` and everything a project created again under it must not inherit; the
    message for the caller. NotFound when there is no such project (nor a deletion of it
    left half-way)."""
    project = deps.config.mark_deleting(name, format_time(deps.clock()))
    if project is None:
        raise NotFound(f"project '{name}' does not exist")
    aborted = deps.abort_runs(name)
    if deps.apply_requests is not None:
        deps.apply_requests.request_apply(name)  # the project reads as gone: its rules go
    scopes = {
        (stage, service.name)
        for stage in project.stages
        for service in deps.config.list_services(name)
    }
    if deps.service_states is not None:
        scopes.update(deps.service_states.forget_project(name))
    if deps.deployments is not None:
        for stage, service in sorted(scopes):
            deps.deployments.forget_last_deployment(name, stage, service)
    deps.evaluations.forget_project(name, sorted(scopes))
    deps.config.delete_project(name)
    runs = f"; {aborted} active sequence(s) aborted" if aborted else ""
    return f"project '{name}' deleted{runs}; its events stay in the audit trail"
