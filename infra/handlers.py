"""Every asynchronous handler: its Lambda entry point, what triggers it, and its sizing.

A handler is fed by exactly one of: an EventBridge rule on the custom bus (`pattern`), an
internal SQS queue that the state machines write to (`queue`), a schedule (`schedule`), or the
subscription rules the uniform applier creates at run time (`targeted`: they invoke the
function, and on the local runtime its queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Internal queues: state machines hand task tokens and run ends to the control plane through
# these, so a token never travels on the public bus.
DISPATCH_QUEUE = "dispatch"
CONTROL_QUEUE = "control"
# Canary executions hand their steps (and task tokens) to the canary-steps handler through this.
DEPLOY_QUEUE = "deploy"
INTERNAL_QUEUES = (DISPATCH_QUEUE, CONTROL_QUEUE, DEPLOY_QUEUE)
DEFAULT_BUS = "default"


@dataclass(frozen=True)
class HandlerSpec:
    """One asynchronous handler. `entry` is `module:function` of the Chalice lambda_function."""

    name: str
    entry: str
    description: str
    pattern: dict[str, Any] | None = None
    queue: str | None = None
    schedule_seconds: int | None = None
    # Lambda sizing (docs/operations.md explains each choice). The timeout also sets the
    # visibility timeout of the handler's queue (six times it, as AWS advises, unless
    # `visibility_s` says otherwise and why).
    memory_mb: int = 256
    timeout_s: int = 30
    visibility_s: int | None = None
    # Reserved concurrency: a ceiling on parallel runs that also guarantees them; queue-fed
    # handlers get the same ceiling as their event source mapping's maximum concurrency.
    reserved_concurrency: int = 2
    # The bus its rule is on: the deployment's own, or the account's `default` bus, where AWS
    # services (Step Functions) send their events.
    bus: str = "quartermaster"
    # Invoked by the uniform's subscription rules (`qm-<stage>-u-*`), made at run time.
    targeted: bool = False

    @property
    def queue_visibility_s(self) -> int:
        """How long a message this handler received stays hidden: a crashed attempt is retried
        after it. Lambda refuses a queue whose visibility is shorter than the timeout."""
        return self.visibility_s if self.visibility_s is not None else 6 * self.timeout_s


HANDLERS: tuple[HandlerSpec, ...] = (
    HandlerSpec(
        name="recorder",
        entry="chalicelib.entrypoints.handlers:recorder",
        description="Stores every event on the bus in the events table (the audit trail).",
        # Every CloudEvent on the bus: they all carry specversion 1.0.
        pattern={"detail": {"specversion": ["1.0"]}},
        reserved_concurrency=10,
    ),
    HandlerSpec(
        name="sequencer",
        entry="chalicelib.entrypoints.sequencing:sequencer",
        description="Starts, queues or refuses sequences on <stage>.<sequence>.triggered.",
        pattern={"detail-type": [{"wildcard": "sh.keptn.event.*.*.triggered"}]},
        memory_mb=512,
        reserved_concurrency=5,
    ),
    HandlerSpec(
        name="task-events",
        entry="chalicelib.entrypoints.sequencing:task_events",
        description="Counts task .started/.finished answers and resumes the run when complete.",
        pattern={
            "detail-type": [
                {"wildcard": "sh.keptn.event.*.started"},
                {"wildcard": "sh.keptn.event.*.finished"},
            ]
        },
        reserved_concurrency=10,
    ),
    HandlerSpec(
        name="dispatcher",
        entry="chalicelib.entrypoints.sequencing:dispatcher",
        description="Keeps a task's token private and sends the task's .triggered event.",
        queue=DISPATCH_QUEUE,
        reserved_concurrency=5,
    ),
    HandlerSpec(
        name="finisher",
        entry="chalicelib.entrypoints.sequencing:finisher",
        description="Ends runs: sends <stage>.<sequence>.finished, starts the next, chains; "
        "times out runs whose task got no answer by its deadline.",
        queue=CONTROL_QUEUE,
        reserved_concurrency=5,
    ),
    HandlerSpec(
        name="reconciler",
        entry="chalicelib.entrypoints.sequencing:reconciler",
        description="Ends runs whose state machine execution failed, timed out or was stopped.",
        # Step Functions reports every execution's end on the default bus; the rule adds the
        # deployment's state machine prefix (infra/wiring.py).
        pattern={
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"]},
        },
        bus=DEFAULT_BUS,
    ),
    HandlerSpec(
        name="approval",
        entry="chalicelib.entrypoints.approvals:approval",
        description="Keptn's approval service: automatic decisions, or wait for a human.",
        pattern={"detail-type": ["sh.keptn.event.approval.triggered"]},
        reserved_concurrency=2,
    ),
    HandlerSpec(
        name="lighthouse",
        entry="chalicelib.entrypoints.lighthouse:lighthouse",
        description="Keptn's lighthouse: quality gates from SLO files, SLI values and history.",
        pattern={
            "detail-type": [
                "sh.keptn.event.evaluation.triggered",
                "sh.keptn.event.get-sli.finished",
                "sh.keptn.event.evaluation.invalidated",
                "sh.keptn.event.monitoring.configure",
            ]
        },
        # An evaluation of many SLIs against many earlier ones parses and scores in one go.
        memory_mb=512,
        reserved_concurrency=5,
    ),
    HandlerSpec(
        name="sli-provider",
        entry="chalicelib.entrypoints.lighthouse:sli_provider",
        description="The built-in SLI providers: CloudWatch and Prometheus answer get-sli.",
        pattern={
            "detail-type": ["sh.keptn.event.get-sli.triggered"],
            "detail": {"data": {"get-sli": {"sliProvider": ["cloudwatch", "prometheus"]}}},
        },
        # Waits on CloudWatch or Prometheus (10 s per Prometheus query at most).
        timeout_s=120,
        reserved_concurrency=5,
    ),
    HandlerSpec(
        name="uniform-applier",
        entry="chalicelib.entrypoints.uniform_handlers:uniform_applier",
        description="Brings a project's subscription rules on the bus in line with its uniform.",
        pattern={"source": ["quartermaster.uniform"], "detail-type": ["Uniform Apply Requested"]},
        # Lists, puts and deletes a project's rules and registers container task definitions.
        timeout_s=120,
        reserved_concurrency=2,
    ),
    HandlerSpec(
        name="uniform-guard",
        entry="chalicelib.entrypoints.uniform_handlers:uniform_guard",
        description="Ends tasks no executor of the applied uniform receives; records "
        "sh.keptn.log.error events in the integration log.",
        pattern={"detail-type": [{"wildcard": "sh.keptn.event.*.triggered"}, "sh.keptn.log.error"]},
        reserved_concurrency=5,
    ),
    HandlerSpec(
        name="task-executor",
        entry="chalicelib.entrypoints.uniform_handlers:task_executor",
        description="Runs the events of image (ECS Fargate) and process subscriptions.",
        targeted=True,
        reserved_concurrency=5,
    ),
    HandlerSpec(
        name="webhooks",
        entry="chalicelib.entrypoints.webhooks:webhooks",
        description="Runs the webhook.yaml entries that match an event (Keptn's webhook "
        "service), with chat notifications.",
        # Keptn's webhook service needed project, stage and service: events without them never
        # invoke it (docs/webhooks.md, What it costs).
        pattern={
            "detail-type": [{"prefix": "sh.keptn.event."}],
            "detail": {
                "data": {
                    "project": [{"exists": True}],
                    "stage": [{"exists": True}],
                    "service": [{"exists": True}],
                }
            },
        },
        # The uniform's hook subscriptions' rules invoke it too (their event and subscription).
        targeted=True,
        # A webhook's requests run in order, each up to its read timeout (30 s by default).
        timeout_s=300,
        reserved_concurrency=5,
    ),
    HandlerSpec(
        name="deployer",
        entry="chalicelib.entrypoints.deploy:deployer",
        description="Deploys, releases and rolls back services that have a target.yaml; "
        "resumes canary steps when their evaluation finishes.",
        pattern={
            "detail-type": [
                "sh.keptn.event.deployment.triggered",
                "sh.keptn.event.release.triggered",
                "sh.keptn.event.rollback.triggered",
                "sh.keptn.event.evaluation.finished",
            ]
        },
        # Publishing a Lambda version waits for the code update; an EKS rollout waits up to the
        # target's rolloutTimeout (5 minutes by default).
        timeout_s=900,
        reserved_concurrency=3,
    ),
    HandlerSpec(
        name="canary-steps",
        entry="chalicelib.entrypoints.deploy:canary_steps",
        description="Carries out a canary's steps: shift traffic, ask for an evaluation, "
        "promote or roll back, and answer the deployment when the canary ends.",
        queue=DEPLOY_QUEUE,
        # An EKS canary step waits for its rollouts, up to the target's rolloutTimeout (14
        # minutes at most); a Lambda step takes seconds.
        timeout_s=900,
        # The timeout and a minute, not six times it: a crashed step is retried after 16
        # minutes, not 90 (the canary execution waits for three attempts, canary_machine.py).
        visibility_s=960,
        reserved_concurrency=2,
    ),
    HandlerSpec(
        name="canary-watch",
        entry="chalicelib.entrypoints.deploy:canary_watch",
        description="Ends deployments whose canary execution failed, timed out or was stopped, "
        "restoring the version that ran before.",
        pattern={
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"]},
        },
        bus=DEFAULT_BUS,
    ),
)


def queue_name(stage: str, queue: str) -> str:
    return f"quartermaster-{stage}-{queue}"
