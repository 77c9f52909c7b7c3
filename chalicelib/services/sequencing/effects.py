"""Carrying out the effects a sequencing decision stored with it (chalicelib/domain/effects.py).

Every handler that made a decision carries out its effects right after the write; every
handler that finds a decision already made (a redelivery, a crash before, a user's retry)
carries out whatever its outbox still holds. Effects are idempotent, so doing one twice is
harmless, and entries are removed only after all of them were done.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chalicelib.domain.effects import (
    AbandonTask,
    Effect,
    FreeScope,
    Publish,
    ResumeTask,
    ScheduleDeadline,
    StopExecution,
    effects_from_outbox,
)
from chalicelib.domain.events import KeptnEvent, parse_time
from chalicelib.domain.messages import DeadlineMessage
from chalicelib.services.sequencing.common import SequencingDeps

log = logging.getLogger("quartermaster-handlers.sequencing")


def carry_out(effect: Effect, deps: SequencingDeps) -> None:
    if isinstance(effect, Publish):
        deps.bus.publish(KeptnEvent.model_validate(effect.event))
    elif isinstance(effect, ResumeTask):
        if not deps.workflows.complete_task(effect.token, effect.output):
            # Used before (a redelivery resumes again), or its execution no longer waits on
            # it: the task's own timeout, the answer deadline's new token, or the execution's
            # end goes on from there.
            log.info("a task token was refused: used before, or no longer waited on")
    elif isinstance(effect, StopExecution):
        deps.workflows.stop(effect.execution_arn, effect.cause)
    elif isinstance(effect, AbandonTask):
        deps.tasks.abandon_task(effect.triggered_id)
    elif isinstance(effect, ScheduleDeadline):
        message = DeadlineMessage(triggered_id=effect.triggered_id, due=effect.due)
        deps.timers.schedule(message.wire(), parse_time(effect.due))
    elif isinstance(effect, FreeScope):
        from chalicelib.services.sequencing.start import start_next

        deps.queues.release(effect.scope, effect.run_id)
        start_next(effect.scope, deps)


def settle_run(run_id: str, outbox: dict[str, str], deps: SequencingDeps) -> None:
    """Carry out the run's outbox entries (as stored, or as just written), then remove them."""
    entries = effects_from_outbox(outbox)
    for _, effect in entries:
        carry_out(effect, deps)
    if entries:
        deps.runs.clear_run_effects(run_id, [name for name, _ in entries])


def settle_task(
    triggered_id: str,
    outbox: dict[str, str],
    deps: SequencingDeps,
    after: Sequence[Effect] = (),
) -> None:
    """Carry out the task's outbox entries and remove them (when there were any), then
    `after`: what follows from the task's state rather than its outbox (resumptions)."""
    entries = effects_from_outbox(outbox)
    for _, effect in entries:
        carry_out(effect, deps)
    if entries:
        deps.tasks.clear_task_effects(triggered_id, [name for name, _ in entries])
    for effect in after:
        carry_out(effect, deps)
