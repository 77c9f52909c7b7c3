"""Which tasks have an executor: Quartermaster's own, a subscription of the applied uniform, a
registered integration's, or a `webhook.yaml` entry. Asked twice: when a uniform is applied (for
every task of the shipyard, stage by stage) and when a run reaches a task (for that one event).

Built-in executors are listed here, in one place: `approval` and `evaluation` are always
answered, `get-sli` when the evaluation asks the built-in CloudWatch or Prometheus provider.
The webhook files are the caller's to read (`webhooks`): a uniform's `kind: webhook` service
without a hook counts only through them, since its events run only where an entry names them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.event_types import task_event_type
from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.subscriptions import Subscription, subject_matches
from chalicelib.domain.uniform import matches

ALWAYS_ANSWERED = {"approval": "the approval service", "evaluation": "the lighthouse"}
BUILT_IN_SLI_PROVIDERS = ("cloudwatch", "prometheus")


def built_in(task: str, sli_provider: str | None) -> str | None:
    """Who in Quartermaster answers `task`, or None when a tool must."""
    if task in ALWAYS_ANSWERED:
        return ALWAYS_ANSWERED[task]
    if task == "get-sli" and sli_provider in BUILT_IN_SLI_PROVIDERS:
        return f"the built-in {sli_provider} SLI provider"
    return None


def event_sli_provider(data: Mapping[str, Any]) -> str | None:
    block = data.get("get-sli")
    provider = block.get("sliProvider") if isinstance(block, Mapping) else None
    return provider if isinstance(provider, str) else None


def served(
    task: str, event_type: str, data: Mapping[str, Any], subscriptions: list[Subscription]
) -> bool:
    """Whether a run's task event reaches an executor (run time: the event is known)."""
    if built_in(task, event_sli_provider(data)) is not None:
        return True
    return any(
        subscription.accepts(event_type, data)
        for subscription in subscriptions
        if not subscription.executor.webhook_files
    )


def could_serve(subscription: Subscription, event_type: str, project: str, stage: str) -> bool:
    """Whether the subscription serves the task in this stage for some service and labels
    (apply time: only project and stage are known; other conditions may hold)."""
    if subscription.executor.webhook_files or not subject_matches(subscription.event, event_type):
        return False
    if not subscription.filter.allows(project, stage, None):
        return False
    selector = subscription.selector
    if selector is None:
        return True
    scoped = selector.model_copy(
        update={
            "match_labels": {
                key: value
                for key, value in selector.match_labels.items()
                if key in ("project", "stage")
            },
            "match_expressions": [
                requirement
                for requirement in selector.match_expressions
                if requirement.key in ("project", "stage")
            ],
        }
    )
    return matches(scoped, {"project": project, "stage": stage})


@dataclass(frozen=True)
class Gap:
    """A task of the shipyard that nothing would carry out (or, `provider`, the get-sli
    request an evaluation sends to an SLI provider that nothing answers)."""

    stage: str
    sequence: str
    task: str
    provider: str = ""

    def said(self) -> str:
        where = f"stage {self.stage}, sequence {self.sequence}"
        if self.provider:
            return f"{where}: task get-sli of SLI provider {self.provider} (asked by {self.task})"
        return f"{where}: task {self.task}"


def gaps(
    project: str,
    shipyard: Shipyard,
    subscriptions: list[Subscription],
    sli_providers: Sequence[str],
    webhooks: Callable[[str, str], bool] | None = None,
) -> list[Gap]:
    """Every task of the shipyard, stage by stage, that no executor would carry out, and
    every SLI provider (of `sli_providers`, the project's) an evaluation would ask that nothing
    answers; `webhooks(stage, event_type)`: whether a webhook.yaml entry carries it out there."""
    found: list[Gap] = []

    def carried_out(stage: str, event_type: str) -> bool:
        if any(could_serve(s, event_type, project, stage) for s in subscriptions):
            return True
        return webhooks is not None and webhooks(stage, event_type)

    get_sli = task_event_type("get-sli", "triggered")
    for stage in shipyard.spec.stages:
        for sequence in stage.sequences:
            for task in sequence.tasks:
                if task.name == "evaluation":
                    found += [
                        Gap(stage.name, sequence.name, task.name, provider)
                        for provider in sli_providers
                        if provider not in BUILT_IN_SLI_PROVIDERS
                        and not carried_out(stage.name, get_sli)
                    ]
                if task.name == "get-sli" and sli_providers:
                    if all(built_in(task.name, p) for p in sli_providers):
                        continue
                elif built_in(task.name, None) is not None:
                    continue
                if carried_out(stage.name, task_event_type(task.name, "triggered")):
                    continue
                found.append(Gap(stage.name, sequence.name, task.name))
    return found


def unserved_message(project: str, stage: str, task: str, commit: str) -> str:
    """What a run's task that nothing carries out ends with, and what to add."""
    return (
        f"no executor for task '{task}' in project '{project}', stage '{stage}': the applied "
        f"uniform (commit {commit}) has no service subscribed to "
        f"{task_event_type(task, 'triggered')} for this stage, and no registered integration "
        f"is, nor does a webhook.yaml entry; add one to the uniform (e.g. qm update uniform "
        f'--project {project} --stage {stage} "{task}+=<service>"), register an integration '
        f"that handles it, or add a webhook (qm register webhook <url> --project {project} "
        f"--stage {stage} --action {task})"
    )
