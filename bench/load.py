"""Many runs at once on the embedded runtime: does every run finish, and does throughput hold?

`qm local up` in a temporary home; a project per case whose stage `dev` has a two-task sequence
(`deployment`, `test`); runs triggered through `POST /v1/event` and answered by a polling tool,
as Keptn's remote execution plane answers: `GET /v1/event/triggered/{type}?project=...`, then
`.started` and `.finished` for each open task. Two cases in one run of the runtime:

* small: 30 runs, 8 services x 4 triggers minus 2 (six services get 4, two get 3);
* large: 200 runs, 50 services x 4 triggers.

Both cases queue up to 4 runs per service, so they take the same paths (a run waiting behind
another, started when that one ends); what changes is how many services run at once (8 or
50), which is the load. Per case: runs finished / triggered, runs per minute (first trigger to
last `.finished`), the time each step took (from the stored events' timestamps) and, for a run
that did not finish within the deadline, its state, its service's other runs and the scope's
lock and queue as stored. Exit code 1 when a run did not finish.

    python bench/load.py [--poll-interval 1] [--deadline SECONDS] [--cases small,large]
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load_observe import cpu_sample, queues_report, scope_as_stored, waiting_messages  # noqa: E402
from load_tool import PollingTool  # noqa: E402

STAGE, SEQUENCE, TASKS = "dev", "delivery", ("deployment", "test")
SHIPYARD = f"""\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {{name: load}}
spec:
  stages:
    - name: {STAGE}
      sequences:
        - name: {SEQUENCE}
          tasks:
            - name: {TASKS[0]}
            - name: {TASKS[1]}
"""
FINISHED = f"sh.keptn.event.{STAGE}.{SEQUENCE}.finished"
SOURCE = "load-bench"


@dataclass(frozen=True)
class Case:
    name: str
    services: int
    triggers: int  # per service
    fewer: int = 0  # the last `fewer` services get one trigger less
    deadline_s: float = 300  # generous: a run not finished by then counts as not finished

    def plan(self) -> list[str]:
        """The services to trigger, in the order the triggers are sent (round by round)."""
        counts = [
            self.triggers - (1 if s >= self.services - self.fewer else 0)
            for s in range(self.services)
        ]
        return [
            f"svc-{s:02d}"
            for round_ in range(self.triggers)
            for s in range(self.services)
            if round_ < counts[s]
        ]


# Deadlines: some 10x what each case takes on this 2-core machine (the whole bench stays
# under ~10 minutes even when runs are lost).
CASES = {
    "small": Case("small", 8, 4, fewer=2, deadline_s=120),
    "large": Case("large", 50, 4, deadline_s=300),
}


@dataclass
class Triggered:
    service: str
    ordinal: int  # 1-based, per service
    event_id: str
    context: str
    sent: datetime


@dataclass
class Result:
    case: Case
    runs: list[Triggered]
    finished: dict[str, datetime]  # context -> time of its sequence's .finished
    started: datetime
    polls: int
    poll_ms: list[float]
    answers: int
    steps: dict[str, list[float]] = field(default_factory=dict)
    stuck: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process
    backlog: dict[str, int] = field(default_factory=dict)  # most messages waiting, per queue
    tool_errors: int = 0  # failed polls or answers (an answer that failed is sent again)
    wall_s: float = 0.0
    load: float = 0.0  # load average (1 min) at the end


# -- one case --------------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _setup(api: Any, project: str, services: int) -> None:
    api.post("/v1/project", json={"name": project, "shipyard": _b64(SHIPYARD)}).raise_for_status()
    for s in range(services):
        api.post(f"/v1/project/{project}/service", json={"serviceName": f"svc-{s:02d}"})


def _trigger(api: Any, project: str, service: str, ordinal: int) -> Triggered:
    event_id = str(uuid.uuid4())
    sent = datetime.now(UTC)
    answer = api.post(
        "/v1/event",
        json={
            "specversion": "1.0",
            "source": SOURCE,
            "id": event_id,
            "type": f"sh.keptn.event.{STAGE}.{SEQUENCE}.triggered",
            "data": {"project": project, "stage": STAGE, "service": service},
        },
    )
    answer.raise_for_status()
    return Triggered(service, ordinal, event_id, answer.json()["keptnContext"], sent)


def _finished_runs(api: Any, project: str) -> dict[str, datetime]:
    """keptn context -> time of its sequence's `.finished`, from the event store."""
    found: dict[str, datetime] = {}
    params: dict[str, Any] = {"project": project, "type": FINISHED, "pageSize": 100}
    for _ in range(50):
        page = api.get("/v1/event", params=params).json()
        for event in page["events"]:
            found[event["shkeptncontext"]] = _time(event["time"])
        if not page.get("nextPageKey"):
            break
        params["nextPageKey"] = page["nextPageKey"]
    return found


def run_case(api: Any, case: Case, options: argparse.Namespace) -> Result:
    project = f"load-{case.name}"
    _setup(api, project, case.services)
    tool = PollingTool(api, project, TASKS, options.poll_interval, options.tool_workers)
    tool.start()
    plan = case.plan()
    ordinals: dict[str, int] = {}
    numbered = []
    for service in plan:
        ordinals[service] = ordinals.get(service, 0) + 1
        numbered.append((service, ordinals[service]))
    cpu_before, wall_before = cpu_sample(), time.monotonic()
    started = datetime.now(UTC)
    with ThreadPoolExecutor(max_workers=4) as senders:
        runs = list(senders.map(lambda sn: _trigger(api, project, *sn), numbered))
    contexts = {run.context for run in runs}
    deadline = time.monotonic() + (options.deadline or case.deadline_s)
    finished: dict[str, datetime] = {}
    backlog: dict[str, int] = {}
    while time.monotonic() < deadline:
        for queue, waiting in waiting_messages().items():
            backlog[queue] = max(backlog.get(queue, 0), waiting)
        finished = {c: t for c, t in _finished_runs(api, project).items() if c in contexts}
        if len(finished) == len(contexts):
            break
        time.sleep(5)  # each look costs the emulator a query of the growing events table
    tool.stop()
    cpu_after = cpu_sample()
    result = Result(case, runs, finished, started, tool.polls, tool.poll_ms, tool.answers)
    result.cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
    result.wall_s = time.monotonic() - wall_before
    result.load = os.getloadavg()[0]
    result.backlog = backlog
    result.tool_errors = tool.errors
    result.steps = _steps(api, runs, finished)
    result.stuck = [
        _describe_stuck(api, project, run, runs, finished)
        for run in runs
        if run.context not in finished
    ]
    return result


# -- where the time goes ---------------------------------------------------------------------

STEP_NAMES = (
    "start (trigger or previous run's end -> 1st .triggered)",
    "tool (task .triggered -> its .started)",
    "answer (.started -> .finished, the tool's two POSTs)",
    "hop (deployment.finished -> test.triggered)",
    "end (test.finished -> sequence .finished)",
)


def _steps(
    api: Any, runs: list[Triggered], finished: dict[str, datetime]
) -> dict[str, list[float]]:
    """Seconds per step of each finished run, from its stored events' timestamps."""
    steps: dict[str, list[float]] = {name: [] for name in STEP_NAMES}
    previous_end: dict[str, datetime] = {}
    for run in sorted(runs, key=lambda r: (r.service, r.ordinal)):
        if run.context not in finished:
            continue
        page = api.get("/v1/event", params={"keptnContext": run.context, "pageSize": 100}).json()
        at = {e["type"].removeprefix("sh.keptn.event."): _time(e["time"]) for e in page["events"]}
        try:
            ready = max(run.sent, previous_end.get(run.service, run.sent))
            first, second = TASKS
            pairs = [
                (ready, at[f"{first}.triggered"]),
                (at[f"{first}.triggered"], at[f"{first}.started"]),
                (at[f"{first}.started"], at[f"{first}.finished"]),
                (at[f"{first}.finished"], at[f"{second}.triggered"]),
                (at[f"{second}.finished"], finished[run.context]),
            ]
            pairs.insert(2, (at[f"{second}.triggered"], at[f"{second}.started"]))
        except KeyError:
            continue
        names = [STEP_NAMES[0], STEP_NAMES[1], STEP_NAMES[1], *STEP_NAMES[2:]]
        for name, (begin, end) in zip(names, pairs, strict=True):
            steps[name].append((end - begin).total_seconds())
        previous_end[run.service] = finished[run.context]
    return steps


def _describe_stuck(
    api: Any, project: str, run: Triggered, runs: list[Triggered], finished: dict[str, datetime]
) -> str:
    """A run that did not finish: its state, its service's other runs, the scope as stored."""
    views = api.get(f"/v1/sequence/{project}", params={"keptnContext": run.context}).json()
    state = views["states"][0]["state"] if views.get("states") else "(no state)"
    others = [r for r in runs if r.service == run.service and r is not run]
    done = sum(1 for r in others if r.context in finished)
    return (
        f"{run.service} run {run.ordinal}: {state}; its service's other runs finished "
        f"{done}/{len(others)}; {_stored(project, run, runs)}"
    )


def _stored(project: str, run: Triggered, runs: list[Triggered]) -> str:
    from chalicelib.domain.runs import run_id_for

    names = {
        run_id_for(SOURCE, r.event_id): f"run {r.ordinal}" for r in runs if r.service == run.service
    }
    scope_key = "\x1f".join((project, STAGE, run.service))
    return scope_as_stored(scope_key, run_id_for(SOURCE, run.event_id), names)


# -- report ----------------------------------------------------------------------------------


def _rate(result: Result) -> float:
    if not result.finished:
        return 0.0
    last = max(result.finished.values())
    minutes = max((last - result.started).total_seconds(), 1e-3) / 60
    return len(result.finished) / minutes


def report(results: list[Result]) -> None:
    print(
        f"\n{'case':<7} {'shape':<16} {'finished':>10} {'stuck':>6} {'runs/min':>9} "
        f"{'span s':>7} {'polls':>6} {'poll ms':>8}"
    )
    for r in results:
        shape = f"{r.case.services}x{r.case.triggers}" + (
            f"-{r.case.fewer}" if r.case.fewer else ""
        )
        span = (max(r.finished.values()) - r.started).total_seconds() if r.finished else 0
        poll = statistics.median(r.poll_ms) if r.poll_ms else 0
        print(
            f"{r.case.name:<7} {shape:<16} {len(r.finished):>4}/{len(r.runs):<5} "
            f"{len(r.runs) - len(r.finished):>6} {_rate(r):>9.1f} {span:>7.1f} {r.polls:>6} "
            f"{poll:>8.0f}"
        )
    by_name = {r.case.name: r for r in results}
    if "small" in by_name and "large" in by_name and _rate(by_name["small"]):
        ratio = _rate(by_name["large"]) / _rate(by_name["small"])
        print(f"rate(200)/rate(30): {ratio:.2f} (target >= 0.8)")
    for r in results:
        print(f"\n{r.case.name}: median / p90 / max seconds per step")
        for name, values in r.steps.items():
            if values:
                ordered = sorted(values)
                p90 = ordered[int(0.9 * (len(ordered) - 1))]
                print(
                    f"  {name:<58} {statistics.median(values):6.2f} {p90:6.2f} {ordered[-1]:6.2f}"
                )
        cpu = ", ".join(
            f"{name} {seconds:.0f} s ({100 * seconds / r.wall_s:.0f}% of a core)"
            for name, seconds in r.cpu.items()
        )
        print(f"  CPU over {r.wall_s:.0f} s: {cpu}; load average {r.load:.1f} (2 cores shared)")
        backlog = ", ".join(f"{queue} {n}" for queue, n in sorted(r.backlog.items()) if n)
        print(f"  most messages waiting for a handler (looked every 5 s): {backlog or 'none'}")
        print(f"  the tool: {r.answers} tasks answered, {r.tool_errors} failed polls or answers")
        for line in r.stuck:
            print(f"  NOT FINISHED: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="small,large", help="comma-separated: small, large")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="the tool's, seconds")
    parser.add_argument("--tool-workers", type=int, default=4, help="the tool's thread pool")
    parser.add_argument(
        "--deadline", type=float, default=0, help="seconds per case (default: 120 and 300)"
    )
    options = parser.parse_args()

    import httpx

    os.environ["QM_HOME"] = tempfile.mkdtemp(prefix="qm-load-")
    from qm.local import control

    state = control.up()
    results: list[Result] = []
    leftovers: list[str] = []
    try:
        api = httpx.Client(
            base_url=state["endpoint"],
            headers={"x-token": state["token"]},
            timeout=30,
            limits=httpx.Limits(max_connections=16),
        )
        for name in options.cases.split(","):
            results.append(run_case(api, CASES[name], options))
            print(
                f"{name}: {len(results[-1].finished)}/{len(results[-1].runs)} finished", flush=True
            )
        leftovers = queues_report()
    finally:
        control.down()
    report(results)
    if leftovers:
        print("\nqueues not empty at the end:")
        print("\n".join(leftovers))
    print(f"\nruntime log: {Path(os.environ['QM_HOME']) / 'local' / 'runtime.log'}")
    sys.exit(1 if any(r.stuck for r in results) else 0)


if __name__ == "__main__":
    main()
