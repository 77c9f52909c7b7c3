"""Where a hop's time goes: the embedded runtime's pieces (the emulator process, the stack, the
queue pollers and the HTTP API) started in this process, with every AWS call timed through
botocore's events, then one step of the hop after another, as medians over the hops measured.

A hop runs from a tool's `.finished` accepted by the API to the next task's `.triggered`
received by the tool: the bus to task-events, task-events' calls, the state machine's way to
the dispatch queue, the dispatcher's calls up to its publish, and the bus to the tool. A bare
EventBridge -> SQS round trip is broken down the same way (its publish, then the delivery).

    python bench/hop_profile.py [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hop import SHIPYARD, TASKS, WAIT_S, _subscribe, answer_event, trigger_event  # noqa: E402


@dataclass(frozen=True)
class Call:
    thread: str
    operation: str
    start: float
    end: float
    messages: int  # messages a ReceiveMessage returned


class Timeline:
    """Every AWS call made through a watched session: which thread, what, when."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._started: dict[tuple[int, str], float] = {}

    def watch(self, session: Any) -> None:
        session.events.register("before-call", self._before)
        session.events.register("after-call", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self._started[(threading.get_ident(), model.name)] = time.perf_counter()

    def _after(self, model: Any, parsed: Any = None, **_: Any) -> None:
        end = time.perf_counter()
        start = self._started.pop((threading.get_ident(), model.name), end)
        messages = len(parsed.get("Messages", [])) if isinstance(parsed, dict) else 0
        call = Call(threading.current_thread().name, model.name, start, end, messages)
        with self._lock:
            self.calls.append(call)

    def between(self, start: float, end: float) -> list[Call]:
        with self._lock:
            return sorted((c for c in self.calls if start <= c.end <= end), key=lambda c: c.start)


def _receive(sqs: Any, url: str) -> tuple[dict[str, Any], float]:
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=WAIT_S
        ).get("Messages", [])
        if messages:
            received = time.perf_counter()
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            body: dict[str, Any] = json.loads(messages[0]["Body"])
            return body, received


def _handler_steps(name: str, calls: list[Call], until_op: str) -> list[tuple[str, float]]:
    """The calls of the invocation that made `until_op` (one thread), up to that call, and
    the handler's own code between them."""
    thread = _last(calls, f"h-{name}", until_op).thread
    mine = [c for c in calls if c.thread == thread]
    steps: list[tuple[str, float]] = []
    own = 0.0
    seen: dict[str, int] = defaultdict(int)
    for previous, call in zip([None, *mine], mine, strict=False):
        if previous is not None:
            own += max(0.0, call.start - previous.end)
        seen[call.operation] += 1
        label = call.operation + (f" ({seen[call.operation]})" if seen[call.operation] > 1 else "")
        steps.append((f"{name}: {label}", call.end - call.start))
        if call.operation == until_op:
            break
    steps.append((f"{name}: own code between calls", own))
    return steps


def _last(calls: list[Call], thread: str, operation: str) -> Call:
    found = [c for c in calls if c.thread.startswith(thread) and c.operation == operation]
    if not found:
        raise RuntimeError(f"no {operation} by {thread} on the hop path")
    return found[-1]


def hop_steps(calls: list[Call], accepted: float, received: float) -> list[tuple[str, float]]:
    """The hop from the API's publish of the `.finished` to `received` (the tool has the next
    `.triggered`), step by step; `accepted`: when the API's answer reached the tool."""
    published_answer = [c for c in calls if c.operation == "PutEvents" and "Thread" in c.thread]
    if not published_answer:
        raise RuntimeError("the API's publish of the .finished was not seen")
    put = published_answer[-1]
    answers = [c for c in calls if c.thread == "q-task-events" and c.messages]
    dispatches = [c for c in calls if c.thread == "q-dispatcher" and c.messages]
    if not answers or not dispatches:
        seen = sorted({(c.thread, c.operation) for c in calls})
        raise RuntimeError(f"the hop's deliveries were not seen; calls: {seen}")
    dispatch = dispatches[-1]
    answer = [c for c in answers if c.end <= dispatch.end][-1]  # the `.finished`
    answering = [c for c in calls if c.thread.startswith("h-task-events") and c.start >= answer.end]
    dispatching = [
        c for c in calls if c.thread.startswith("h-dispatcher") and c.start >= dispatch.end
    ]
    resumed = _last(answering, "h-task-events", "SendTaskSuccess")
    published = _last(dispatching, "h-dispatcher", "PutEvents")
    steps = [
        ("(API publish ends -> its answer reaches the tool)", accepted - put.end),
        ("bus -> task-events queue, received", answer.end - put.end),
    ]
    steps.append(("task-events: invocation starts", answering[0].start - answer.end))
    steps += _handler_steps("task-events", answering, "SendTaskSuccess")
    steps.append(("state machine -> dispatch queue, received", dispatch.end - resumed.end))
    steps.append(("dispatcher: invocation starts", dispatching[0].start - dispatch.end))
    steps += _handler_steps("dispatcher", dispatching, "PutEvents")
    steps.append(("bus -> tool queue, received", received - published.end))
    return steps


def profile(runs: int) -> None:
    import boto3
    import httpx

    home = Path(tempfile.mkdtemp(prefix="qm-profile-"))
    os.environ["QM_HOME"] = str(home)
    from chalicelib.bootstrap import build_aws_container, use_container
    from chalicelib.services.auth import issue_token
    from chalicelib.settings import Settings
    from qm.local import runtime

    moto_port, api_port = runtime.free_port(), runtime.free_port()
    runtime.configure_environment(moto_port)
    emulator = runtime.start_emulator(moto_port, home / "emulator.log")
    timeline = Timeline()
    try:
        runtime.create_resources(runtime.LOCAL_STAGE)
        session = boto3.session.Session()
        timeline.watch(session)
        boto3.setup_default_session()
        timeline.watch(boto3.DEFAULT_SESSION)  # the pollers' client
        container = build_aws_container(Settings(stage=runtime.LOCAL_STAGE), session=session)
        use_container(container)
        token = issue_token(container.tokens, "profile")
        dispatcher = runtime.Dispatcher(runtime.LOCAL_STAGE, schedule_seconds=3600)
        dispatcher.start()
        server = runtime.serve_api(api_port)
        try:
            _drive(
                timeline,
                session,
                httpx.Client(base_url=f"http://127.0.0.1:{api_port}", headers={"x-token": token}),
                runs,
            )
        finally:
            dispatcher.stop()
            server.shutdown()
            time.sleep(WAIT_S + 0.5)  # the pollers' last long polls end before the emulator
            use_container(None)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


def _drive(timeline: Timeline, session: Any, api: Any, runs: int) -> None:
    sqs, events = session.client("sqs"), session.client("events")
    bus = "quartermaster-local"
    shipyard = base64.b64encode(SHIPYARD.encode()).decode()
    api.post("/v1/project", json={"name": "bench", "shipyard": shipyard}).raise_for_status()
    api.post("/v1/project/bench/service", json={"serviceName": "svc"}).raise_for_status()
    pattern = {"detail-type": [f"sh.keptn.event.{t}.triggered" for t in TASKS]}
    inbox = _subscribe(sqs, events, bus, "profile-tool", pattern)
    echo = _subscribe(sqs, events, bus, "profile-echo", {"detail-type": ["bench.ping"]})

    bare: dict[str, list[float]] = defaultdict(list)
    for n in range(30):
        sent = time.perf_counter()
        entry = {"Source": "bench", "DetailType": "bench.ping", "Detail": json.dumps({"n": n})}
        events.put_events(Entries=[{**entry, "EventBusName": bus}])
        put = time.perf_counter()
        _, received = _receive(sqs, echo)
        bare["PutEvents"].append(put - sent)
        bare["bus -> queue, received"].append(received - put)
        bare["round trip"].append(received - sent)

    steps: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    totals: list[float] = []
    for run in range(runs):
        api.post("/v1/event", json=trigger_event(f"profile-{run}")).raise_for_status()
        accepted: float | None = None
        posted = 0.0
        for _ in TASKS:
            triggered, received = _receive(sqs, inbox)
            triggered = triggered["detail"]
            if accepted is not None:
                time.sleep(0.3)  # let calls after the publish (outbox removal) be recorded
                window = timeline.between(posted, received + 0.3)
                hop = hop_steps(window, accepted, received)
                totals.append(received - accepted)
                for label, seconds in hop:
                    if label not in order:
                        order.append(label)
                    steps[label].append(seconds)
            for phase in ("started", "finished"):
                posted = time.perf_counter()
                api.post("/v1/event", json=answer_event(triggered, phase)).raise_for_status()
            accepted = time.perf_counter()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:7.1f} ms"

    print(f"bare EventBridge -> SQS round trip, medians over {len(bare['round trip'])}:")
    for label, values in bare.items():
        print(f"  {label:<50} {ms(values)}")
    print(f"\nhop .finished accepted -> next .triggered received, medians over {len(totals)}:")
    for label in order:
        print(f"  {label:<50} {ms(steps[label])}")
    print(f"  {'total (median of whole hops)':<50} {ms(totals)}")
    print(
        f"  ratio to 3 x the bare round trip: "
        f"{statistics.median(totals) / (3 * statistics.median(bare['round trip'])):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="10-task runs to profile")
    profile(parser.parse_args().runs)


if __name__ == "__main__":
    main()
