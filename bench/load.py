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
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
TOOL = "load-tool"


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


# -- the polling tool ----------------------------------------------------------------------


class PollingTool:
    """Answers every open task of a project as a remote execution plane does: it polls the
    open `.triggered` events of each task type, then sends `.started` and `.finished` for
    each one it has not answered yet (a few at once, from a small thread pool)."""

    def __init__(self, api: Any, project: str, interval_s: float, workers: int) -> None:
        self._api, self._project, self._interval = api, project, interval_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tool")
        self._taken: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tool-poller", daemon=True)
        self.polls, self.answers, self.errors = 0, 0, 0
        self.poll_ms: list[float] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._pool.shutdown(wait=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for task in TASKS:
                sent = time.perf_counter()
                try:
                    answer = self._api.get(
                        f"/v1/event/triggered/sh.keptn.event.{task}.triggered",
                        params={"project": self._project},
                    )
                    answer.raise_for_status()
                except Exception:
                    self.errors += 1
                    continue
                self.poll_ms.append((time.perf_counter() - sent) * 1000)
                self.polls += 1
                for event in answer.json()["events"]:
                    with self._lock:
                        if event["id"] in self._taken:
                            continue
                        self._taken.add(event["id"])
                    self._pool.submit(self._answer, task, event)
            self._stop.wait(self._interval)

    def _answer(self, task: str, triggered: dict[str, Any]) -> None:
        data = {k: triggered["data"][k] for k in ("project", "stage", "service")}
        try:
            for phase, extra in (("started", {}), ("finished", {"result": "pass"})):
                self._api.post(
                    "/v1/event",
                    json={
                        "specversion": "1.0",
                        "source": TOOL,
                        "id": str(uuid.uuid4()),
                        "type": f"sh.keptn.event.{task}.{phase}",
                        "shkeptncontext": triggered["shkeptncontext"],
                        "triggeredid": triggered["id"],
                        "data": {**data, "status": "succeeded", **extra},
                    },
                ).raise_for_status()
            self.answers += 1
        except Exception:
            self.errors += 1
            with self._lock:  # answered again at the next poll
                self._taken.discard(triggered["id"])


# -- CPU used, per process -------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[str, int]:
    """The runtime, the emulator it started, and this bench."""
    from qm.local import control

    state = control.read_state()
    found = {"bench": os.getpid()}
    if state is None:
        return found
    found["runtime"] = int(state["pid"])
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == found["runtime"]:
                found["emulator"] = int(stat.parent.name)
        except (OSError, ValueError, IndexError):
            continue
    return found


def _cpu_sample() -> dict[str, float]:
    return {name: _cpu_seconds(pid) for name, pid in _processes().items()}


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
    tool = PollingTool(api, project, options.poll_interval, options.tool_workers)
    tool.start()
    plan = case.plan()
    ordinals: dict[str, int] = {}
    numbered = []
    for service in plan:
        ordinals[service] = ordinals.get(service, 0) + 1
        numbered.append((service, ordinals[service]))
    cpu_before, wall_before = _cpu_sample(), time.monotonic()
    started = datetime.now(UTC)
    with ThreadPoolExecutor(max_workers=4) as senders:
        runs = list(senders.map(lambda sn: _trigger(api, project, *sn), numbered))
    contexts = {run.context for run in runs}
    deadline = time.monotonic() + (options.deadline or case.deadline_s)
    finished: dict[str, datetime] = {}
    backlog: dict[str, int] = {}
    while time.monotonic() < deadline:
        for queue, waiting in _waiting_messages().items():
            backlog[queue] = max(backlog.get(queue, 0), waiting)
        finished = {c: t for c, t in _finished_runs(api, project).items() if c in contexts}
        if len(finished) == len(contexts):
            break
        time.sleep(5)  # each look costs the emulator a query of the growing events table
    tool.stop()
    cpu_after = _cpu_sample()
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
        f"{done}/{len(others)}; {_scope_as_stored(project, run, runs)}"
    )


def _scope_as_stored(project: str, run: Triggered, runs: list[Triggered]) -> str:
    """The scope's lock and queue items in the runs table (read from the emulator)."""
    from chalicelib.domain.runs import run_id_for
    from qm.local import control

    state = control.read_state()
    if state is None:
        return "runtime gone"
    names = {
        run_id_for(SOURCE, r.event_id): f"run {r.ordinal}" for r in runs if r.service == run.service
    }
    db = control.emulator_client(state, "dynamodb")
    items = db.query(
        TableName="quartermaster-local-runs",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SCOPE#{project}\x1f{STAGE}\x1f{run.service}"}},
        ConsistentRead=True,
    )["Items"]
    lock = next(
        (names.get(i["run"]["S"], i["run"]["S"]) for i in items if i["sk"]["S"] == "LOCK"), "free"
    )
    queued = [
        names.get(i["run"]["S"], i["run"]["S"]) for i in items if i["sk"]["S"].startswith("Q#")
    ]
    own = db.get_item(
        TableName="quartermaster-local-runs",
        Key={"pk": {"S": f"RUN#{run_id_for(SOURCE, run.event_id)}"}, "sk": {"S": "RUN"}},
        ConsistentRead=True,
    ).get("Item", {})
    return (
        f"stored state {own.get('state', {}).get('S', '(none)')}, lock {lock}, "
        f"queued {', '.join(queued) or 'none'}"
    )


def _handler_queues() -> tuple[Any, list[str]]:
    from qm.local import control

    state = control.read_state()
    if state is None:
        return None, []
    sqs = control.emulator_client(state, "sqs")
    return sqs, sqs.list_queues(QueueNamePrefix="quartermaster-local").get("QueueUrls", [])


def _waiting_messages() -> dict[str, int]:
    """Messages waiting for a handler, per handler queue (not the dead-letter queues)."""
    sqs, urls = _handler_queues()
    waiting = {}
    for url in urls:
        name = url.rsplit("/", 1)[-1].removeprefix("quartermaster-local-")
        if name.endswith(("-dlq", "-failed")):
            continue
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        waiting[name] = int(attributes["ApproximateNumberOfMessages"])
    return waiting


def _queues_report() -> list[str]:
    """Messages left in the handlers' queues and their dead-letter queues (lost deliveries)."""
    from qm.local import control

    state = control.read_state()
    if state is None:
        return []
    sqs = control.emulator_client(state, "sqs")
    lines = []
    for url in sqs.list_queues(QueueNamePrefix="quartermaster-local").get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        visible = int(attributes["ApproximateNumberOfMessages"])
        hidden = int(attributes["ApproximateNumberOfMessagesNotVisible"])
        if visible or hidden:
            lines.append(f"  {url.rsplit('/', 1)[-1]}: {visible} waiting, {hidden} in flight")
    return lines


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
        leftovers = _queues_report()
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
