"""What a project's uniform subscribes to what (`GET /v1/project/{project}/uniform`, `qm get
uniform`): the stored uniform, how far its apply got, the registered integrations, and the
tasks nothing would carry out."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.subscriptions import uniform_subscriptions
from chalicelib.services.projects import get_project
from chalicelib.services.uniform.apply import ApplyDeps, coverage, subscription_view
from chalicelib.services.uniform.current import (
    applied_subscriptions,
    integration_subscriptions,
    latest_uniform,
)


def uniform_state(project: str, deps: ApplyDeps) -> dict[str, Any]:
    get_project(project, deps.config)
    latest = latest_uniform(project, deps.config)
    applied = deps.uniforms.get_applied(project)
    rules = {rule.subscription: rule.rule for rule in applied.rules} if applied else {}
    stored = uniform_subscriptions(project, latest[0]) if latest else []
    views = [subscription_view(subscription, rules.get(subscription.id)) for subscription in stored]
    views += [subscription_view(s) for s in integration_subscriptions(deps.integrations, project)]
    live = applied_subscriptions(applied, deps.config)
    return {
        "project": project,
        "commitID": latest[1] if latest else "",
        "name": latest[0].metadata.name if latest else "",
        "applied": {
            "commitID": applied.commit,
            "time": applied.time,
            "state": applied.state,
            "errors": list(applied.errors),
        }
        if applied
        else None,
        "subscriptions": views,
        "uncovered": [gap.said() for gap in coverage(project, live, deps)] if latest else [],
    }
