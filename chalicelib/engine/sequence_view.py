"""The materialized sequence-state view (reference 3.2) as a pure fold over stored events.

`build_views` replays the stored events of one or more keptn contexts (oldest first) into what
`GET /v1/sequence/{project}` returns: one entry per context with its stages, each with its state,
deployed image, latest evaluation, latest event and latest failed event. Replaying the stored
events instead of updating a document on every hook keeps the view deterministic: the same events
always give the same view.

States the events cannot show (`waiting` in the queue, `paused`, `timedOut`, `aborted`) come
from the control plane through `overrides` ({keptn context: state}); an override replaces the
overall state, except that `waiting` never replaces `finished` (reference 3.2). Which run a
queued stage waits for comes from the control plane too (`blockers`), as the stage's
`blockedBy` (beyond Keptn, whose view only says `waiting`).

Differences from Keptn's hook-driven view, all deliberate:
* a stage appears when its `<stage>.<sequence>.triggered` is stored (Keptn: at its first task
  event), so a chained stage that has not dispatched a task yet keeps the run from reading
  `finished`;
* `latestEvent.time` is the event's own time (Keptn: the time its hook ran), so replays agree;
* task answers count only when their `triggeredid` names a task `.triggered` of a running stage,
  as the controller ignores the others; lighthouse's internal `get-sli` events never count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.event_types import Phase, TypeKind, parse_event_type
from chalicelib.domain.events import KeptnEvent
from chalicelib.engine.approval import APPROVAL_TASK
from chalicelib.engine.completion import ERRORED, FAIL, UNKNOWN, canonical_result

SequenceStateName = Literal[
    "triggered",
    "waiting",
    "started",
    "waitingForApproval",
    "paused",
    "finished",
    "timedOut",
    "aborted",
]
STAGE_RUNNING = "triggered"
DEPLOYMENT_TASK = "deployment"
EVALUATION_TASK = "evaluation"
# Sent by the lighthouse to an SLI provider, never by a sequence (reference 1.8).
INTERNAL_TASKS = frozenset({"get-sli"})


class _ViewModel(BaseModel):
    """Python names in code, Keptn's JSON names on the wire; immutable once built."""

    model_config = ConfigDict(
        frozen=True,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
    )


class EvaluationSummary(_ViewModel):
    """`latestEvaluation`: the result and score of the stage's latest quality gate."""

    result: str
    score: float


class EventSummary(_ViewModel):
    """`latestEvent` / `latestFailedEvent`: which event, and when."""

    type: str
    id: str
    time: str


class BlockingRun(_ViewModel):
    """`blockedBy`: the run that holds the service's place in a stage a queued run waits for."""

    keptn_context: str = Field(alias="keptnContext")
    sequence: str


class StageState(_ViewModel):
    """One stage of a run: `triggered` while running, then the status of its sequence."""

    name: str
    image: str = ""
    state: str = STAGE_RUNNING
    latest_evaluation: EvaluationSummary | None = Field(default=None, alias="latestEvaluation")
    latest_event: EventSummary | None = Field(default=None, alias="latestEvent")
    latest_failed_event: EventSummary | None = Field(default=None, alias="latestFailedEvent")
    blocked_by: BlockingRun | None = Field(default=None, alias="blockedBy")


class SequenceStateView(_ViewModel):
    """One keptn context's run across its stages, as Keptn's sequence-state API shows it."""

    name: str
    service: str
    project: str
    time: str
    shkeptncontext: str
    state: SequenceStateName
    problem_title: str = Field(default="", alias="problemTitle")
    stages: list[StageState] = Field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        """Keptn's JSON; an empty `problemTitle`/`image` and absent latest* are left out."""
        api = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        if not api["problemTitle"]:
            del api["problemTitle"]
        for stage in api["stages"]:
            if not stage["image"]:
                del stage["image"]
        return api


@dataclass
class _StageFold:
    """A stage while folding: the output fields plus which task it is running."""

    name: str
    state: str = STAGE_RUNNING
    image: str = ""
    latest_evaluation: EvaluationSummary | None = None
    latest_event: EventSummary | None = None
    latest_failed_event: EventSummary | None = None
    current_task: str = ""
    current_task_finished: bool = False

    @property
    def running(self) -> bool:
        return self.state == STAGE_RUNNING

    @property
    def awaiting_approval(self) -> bool:
        return self.current_task == APPROVAL_TASK and not self.current_task_finished

    def record(self, event: KeptnEvent) -> None:
        """The event is the stage's latest; also its latest failed one if it failed."""
        summary = EventSummary(type=event.type, id=event.id, time=event.time)
        self.latest_event = summary
        result = canonical_result(event.data.get("result"))
        if result == FAIL or event.data.get("status") == ERRORED:
            self.latest_failed_event = summary

    def to_state(self, blocked_by: BlockingRun | None = None) -> StageState:
        return StageState(
            name=self.name,
            image=self.image,
            state=self.state,
            latest_evaluation=self.latest_evaluation,
            latest_event=self.latest_event,
            latest_failed_event=self.latest_failed_event,
            blocked_by=blocked_by if self.running else None,
        )


@dataclass
class _ContextFold:
    """One keptn context while folding, created by its first sequence `.triggered`."""

    first: KeptnEvent
    name: str
    stages: dict[str, _StageFold] = field(default_factory=dict)
    # task .triggered id -> stage name, for the tasks this context dispatched
    task_stages: dict[str, str] = field(default_factory=dict)

    def stage(self, name: str) -> _StageFold:
        if name not in self.stages:
            self.stages[name] = _StageFold(name=name)
        return self.stages[name]

    def overall_state(self) -> SequenceStateName:
        """`finished` once no stage runs; `triggered` before any task was sent; then
        `waitingForApproval` when every running stage waits on an open approval, else `started`.
        """
        running = [stage for stage in self.stages.values() if stage.running]
        if self.stages and not running:
            return "finished"
        if not self.task_stages:
            return "triggered"  # accepted, no task dispatched yet
        if running and all(stage.awaiting_approval for stage in running):
            return "waitingForApproval"
        return "started"

    def to_view(
        self, override: SequenceStateName | None, blockers: Mapping[str, BlockingRun]
    ) -> SequenceStateView:
        state = self.overall_state()
        if override is not None and not (override == "waiting" and state == "finished"):
            state = override
        problem = self.first.data.get("problem")
        title = problem.get("problemTitle") if isinstance(problem, Mapping) else None
        return SequenceStateView(
            name=self.name,
            service=self.first.service or "",
            project=self.first.project or "",
            time=self.first.time,
            shkeptncontext=self.first.shkeptncontext,
            state=state,
            problem_title=title if isinstance(title, str) else "",
            stages=[stage.to_state(blockers.get(stage.name)) for stage in self.stages.values()],
        )


def build_views(
    events: Sequence[KeptnEvent],
    overrides: Mapping[str, SequenceStateName] | None = None,
    blockers: Mapping[str, Mapping[str, BlockingRun]] | None = None,
) -> list[SequenceStateView]:
    """Fold stored events (oldest first) into one view per keptn context that has a sequence.

    Views come in the order of their contexts' first sequence `.triggered`. A context without
    any sequence `.triggered` (only stray task events) has no view, as in Keptn. `blockers`
    ({keptn context: {stage: run}}) names the run each queued stage waits for; a stage that is
    no longer running shows none.
    """
    contexts: dict[str, _ContextFold] = {}
    for event in events:
        _apply(contexts, event)
    chosen = overrides or {}
    waiting = blockers or {}
    return [
        fold.to_view(chosen.get(context), waiting.get(context, {}))
        for context, fold in contexts.items()
    ]


def _apply(contexts: dict[str, _ContextFold], event: KeptnEvent) -> None:
    parsed = parse_event_type(event.type)
    context = contexts.get(event.shkeptncontext)
    if parsed.kind is TypeKind.SEQUENCE and not parsed.is_status_changed:
        if parsed.phase == Phase.TRIGGERED:
            if context is None:
                context = _ContextFold(first=event, name=parsed.name)
                contexts[event.shkeptncontext] = context
            _sequence_triggered(context, parsed.stage)
        elif parsed.phase == Phase.FINISHED and context is not None:
            _sequence_finished(context, parsed.stage, event)
        return
    if parsed.kind is not TypeKind.TASK or context is None or parsed.name in INTERNAL_TASKS:
        return
    if parsed.phase == Phase.TRIGGERED:
        _task_triggered(context, parsed.name, event)
    elif parsed.phase in (Phase.STARTED, Phase.FINISHED):
        _task_answered(context, parsed.name, parsed.phase == Phase.FINISHED, event)


def _sequence_triggered(context: _ContextFold, stage_name: str) -> None:
    stage = context.stage(stage_name)
    # A later sequence in the same stage (a rollback after a delivery) runs the stage again.
    stage.state = STAGE_RUNNING
    stage.current_task = ""
    stage.current_task_finished = False


def _sequence_finished(context: _ContextFold, stage_name: str, event: KeptnEvent) -> None:
    stage = context.stage(stage_name)
    status = event.data.get("status")
    stage.state = status if isinstance(status, str) and status else UNKNOWN
    stage.current_task = ""
    stage.record(event)


def _task_triggered(context: _ContextFold, task: str, event: KeptnEvent) -> None:
    stage_name = event.stage
    if stage_name is None:
        return
    stage = context.stage(stage_name)
    if not stage.running:
        return  # a late event for a sequence that already ended
    context.task_stages[event.id] = stage_name
    stage.current_task = task
    stage.current_task_finished = False
    stage.record(event)
    if task == DEPLOYMENT_TASK:
        image = _image(event.data)
        if image:
            stage.image = image


def _task_answered(context: _ContextFold, task: str, finished: bool, event: KeptnEvent) -> None:
    stage_name = context.task_stages.get(event.triggeredid or "")
    if stage_name is None:
        return  # answers no task of this run, as the controller ignores it
    stage = context.stages[stage_name]
    if not stage.running:
        return
    stage.record(event)
    if not finished:
        return
    if task == stage.current_task:
        stage.current_task_finished = True
    if task == EVALUATION_TASK:
        evaluation = _evaluation(event.data)
        if evaluation is not None:
            stage.latest_evaluation = evaluation


def _image(data: Mapping[str, Any]) -> str:
    change = data.get("configurationChange")
    values = change.get("values") if isinstance(change, Mapping) else None
    image = values.get("image") if isinstance(values, Mapping) else None
    return image if isinstance(image, str) else ""


def _evaluation(data: Mapping[str, Any]) -> EvaluationSummary | None:
    """The quality gate in an evaluation.finished, if it carries one (the lighthouse's does).

    The result is the event's `result`, as in Keptn (it can be `fail` while
    `evaluation.result` is `pass` when get-sli failed), falling back to `evaluation.result`.
    """
    evaluation = data.get("evaluation")
    if not isinstance(evaluation, Mapping):
        return None
    result = canonical_result(data.get("result")) or canonical_result(evaluation.get("result"))
    score = evaluation.get("score")
    number = float(score) if isinstance(score, int | float) and not isinstance(score, bool) else 0.0
    return EvaluationSummary(result=result, score=number)
