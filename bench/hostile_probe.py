"""Replay a table of hostile requests against the HTTP API and say which are answered as the API
contract says (docs/api.md): one line per probe, then `tried N / answered as expected M`.

It starts the embedded runtime (`qm local up` in a temporary home, stopped at the end), sets up
two projects with a manual approval as their first task, then probes: deleting the shipyard,
deeply nested and oversized JSON, deeply nested YAML, credentials in a monitoring URL, hostile
resource URIs, a 10 MB secret, NaN in an event, unknown and deferred Keptn paths, the error
shape of 404/405/415, `root=true`, odd page sizes and repeated wrong tokens (a burst of 5,
then 429 with Retry-After).

    python bench/hostile_probe.py                              # or: make probe
    python bench/hostile_probe.py --endpoint URL --token qm_... # an API that already runs

Exit code 0 only when every probe was answered as expected, 1 otherwise, 2 when the runtime did
not start. Every request has a timeout and the whole run stays under a minute.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIMEOUT_S = 20.0  # per request: the 10 MB body is the slowest
WAIT_S = 10.0  # at most, for a task to be triggered after a delivery is sent
BUDGET_S = 50.0  # the whole run, runtime start included: no wait goes past it
PROJECT, SERVICE, STAGE = "probe", "cart", "dev"
BURST = 5  # failed authentications answered as such before 429 (docs/api.md)
# One project per way of deleting the shipyard: the second must not find it gone already.
DELETE_PATHS = {
    "probe-del": "/v1/project/probe-del/resource/shipyard.yaml",
    "probe-del-alias": "/api/resource-service/v1/project/probe-del-alias/resource/shipyard.yaml",
}
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {name: probe}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: approval
              properties: {pass: manual, warning: manual}
"""
SLO = """\
spec_version: "1.0"
objectives:
  - sli: latency
total_score: {pass: "90%", warning: "75%"}
"""
APPROVAL = "sh.keptn.event.approval.triggered"
DEEP_JSON = '{"a":' * 1000 + "1" + "}" * 1000
HUGE_INT = '{"a":' + "1" * 4301 + "}"
DEEP_YAML = "[" * 5000 + "]" * 5000
Check = Callable[[httpx.Response], bool]


@dataclass
class Outcome:
    request: str
    expected: str
    got: str
    ok: bool


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def body_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def status_in(*codes: int) -> Check:
    return lambda response: response.status_code in codes


def client_error(response: httpx.Response) -> bool:
    return 400 <= response.status_code < 500


def error_shaped(status: int) -> Check:
    """`status` with Keptn's error body: exactly the lowercase keys `code` and `message`."""

    def check(response: httpx.Response) -> bool:
        body = body_of(response)
        return (
            response.status_code == status
            and isinstance(body, dict)
            and set(body) == {"code", "message"}
            and body["code"] == status
            and isinstance(body["message"], str)
        )

    return check


class Prober:
    def __init__(self, endpoint: str, token: str, budget_end: float) -> None:
        self.budget_end = budget_end
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        self.http = httpx.Client(timeout=TIMEOUT_S)
        self.outcomes: list[Outcome] = []

    def send(self, method: str, path: str, token: bool = True, **kwargs: Any) -> httpx.Response:
        headers = {"x-token": self.token} if token else {}
        headers.update(kwargs.pop("headers", {}))
        # A string URL keeps the path's percent-escapes exactly as written (%252F stays).
        return self.http.request(method, self.endpoint + path, headers=headers, **kwargs)

    def probe(
        self, method: str, path: str, expected: str, check: Check, **kwargs: Any
    ) -> httpx.Response | None:
        label = f"{method} {path}" + (f" [{kwargs.pop('note')}]" if "note" in kwargs else "")
        try:
            response = self.send(method, path, **kwargs)
        except httpx.HTTPError as error:
            self.record(label, expected, f"no answer ({type(error).__name__})", False)
            return None
        got = f"{response.status_code} {response.text[:90]!r}"
        self.record(label, expected, got, check(response))
        return response

    def record(self, request: str, expected: str, got: str, ok: bool) -> None:
        outcome = Outcome(request, expected, got, ok)
        self.outcomes.append(outcome)
        mark = "ok " if ok else "NOT"
        print(f"{mark} | {request[:130]} | expected {expected} | got {got}", flush=True)

    # --- setup -------------------------------------------------------------------------------

    def setup(self, project: str) -> None:
        created = self.send(
            "POST", "/v1/project", json={"name": project, "shipyard": b64(SHIPYARD)}
        )
        if created.status_code not in (200, 201, 409):
            raise SystemExit(
                f"setup: creating project {project}: {created.status_code} {created.text}"
            )
        service = f"/v1/project/{project}/service"
        self.send("POST", service, json={"serviceName": SERVICE})

    def trigger(self, project: str) -> str:
        event = {
            "specversion": "1.0",
            "source": "hostile-probe",
            "type": f"sh.keptn.event.{STAGE}.delivery.triggered",
            "contenttype": "application/json",
            "data": {"project": project, "stage": STAGE, "service": SERVICE},
        }
        sent = self.send("POST", "/v1/event", json=event)
        context = (body_of(sent) or {}).get("keptnContext") if sent.status_code < 300 else None
        return str(context or "")

    def approval_of(self, project: str, context: str, deadline: float) -> str | None:
        """The id of the approval task's `.triggered` in `context`, once it is stored."""
        deadline = min(deadline, self.budget_end)
        while time.monotonic() < deadline:
            found = self.send("GET", "/v1/event", params={"keptnContext": context})
            for event in (body_of(found) or {}).get("events", []):
                if (
                    event.get("type") == APPROVAL
                    and event.get("data", {}).get("project") == project
                ):
                    return str(event.get("id"))
            time.sleep(0.5)
        return None

    def cleanup(self) -> None:
        """Remove what the probes created (on an API that keeps running, with --endpoint)."""
        try:
            for project in (PROJECT, *DELETE_PATHS):
                self.send("DELETE", f"/v1/project/{project}")
            self.send("DELETE", "/v1/secret", params={"name": "probe-big", "scope": "probe"})
        except httpx.HTTPError as error:
            print(f"cleanup incomplete: {type(error).__name__}")


SERVICE_PATH = f"/v1/project/{PROJECT}/stage/{STAGE}/service/{SERVICE}"
DEFERRED = (  # Keptn paths Quartermaster does not serve (yet): docs/keptn-compatibility.md
    ("POST", "/api/v1/import"),
)
JSON = {"content-type": "application/json"}


def run_probes(p: Prober) -> None:
    for project in (PROJECT, *DELETE_PATHS):
        p.setup(project)
    context = p.trigger(PROJECT)
    later = probe_shipyard_deletes(p)
    approval = p.approval_of(PROJECT, context, time.monotonic() + WAIT_S) if context else None
    probe_bodies(p, context, approval)
    probe_contents(p)
    probe_paths(p)
    probe_queries(p)
    deadline = time.monotonic() + WAIT_S
    for project, sent in later.items():
        started = p.approval_of(project, sent, deadline) if sent else None
        p.record(
            f"a delivery in {project} sent after the DELETE",
            "its approval task is triggered",
            "triggered" if started else f"nothing in time (context {sent or 'none'})",
            started is not None,
        )
    p.cleanup()  # before the wrong tokens: a rate limit that works may refuse us for a while
    probe_wrong_tokens(p)


def probe_shipyard_deletes(p: Prober) -> dict[str, str]:
    """The shipyard cannot be deleted (canonical path and Keptn's resource-service alias); the
    keptnContext of a delivery sent afterwards, checked at the end to leave it time."""
    later: dict[str, str] = {}
    for project, path in DELETE_PATHS.items():
        p.probe("DELETE", path, "4xx (refused)", client_error)
        kept = p.send("GET", f"/v1/project/{project}/resource/shipyard.yaml")
        p.record(
            f"GET /v1/project/{project}/resource/shipyard.yaml after the DELETE",
            "200 (still there)",
            str(kept.status_code),
            kept.status_code == 200,
        )
        later[project] = p.trigger(project)
    return later


def probe_bodies(p: Prober, context: str, approval: str | None) -> None:
    """Every route that reads a JSON body: nesting and number size that break a parser."""
    routes = [
        ("POST", "/v1/event"),
        ("POST", "/v1/project"),
        ("PUT", "/v1/project"),
        ("POST", f"/v1/project/{PROJECT}/service"),
        ("POST", f"{SERVICE_PATH}/resource"),
        ("PUT", f"{SERVICE_PATH}/resource/notes.txt"),
        ("POST", "/v1/secret"),
        ("PUT", "/v1/secret"),
        ("POST", f"/v1/sequence/{PROJECT}/{context or 'none'}/control"),
        ("POST", f"{SERVICE_PATH}/approval/{approval or 'none'}"),
        ("POST", f"/v1/project/{PROJECT}/stage/{STAGE}/approval/{approval or 'none'}"),
        ("POST", f"{SERVICE_PATH}/evaluation"),
        ("PUT", f"/v1/project/{PROJECT}/monitoring"),
        ("POST", "/v1/token"),
    ]
    for method, path in routes:
        for note, raw in (("JSON nested 1,000 deep", DEEP_JSON), ("4,301-digit integer", HUGE_INT)):
            p.probe(method, path, "400", status_in(400), content=raw, headers=JSON, note=note)
    for literal in ("NaN", "Infinity"):
        event = (
            '{"specversion": "1.0", "source": "hostile-probe", "type": '
            f'"sh.keptn.event.{STAGE}.delivery.triggered", "data": {{"project": "{PROJECT}", '
            f'"stage": "{STAGE}", "service": "{SERVICE}", "x": {literal}}}}}'
        )
        p.probe(
            "POST", "/v1/event", "400", status_in(400), content=event, headers=JSON, note=literal
        )
    big = {"name": "probe-big", "scope": "probe", "data": {"value": "x" * 10_000_000}}
    p.probe("POST", "/v1/secret", "413 or 400", status_in(413, 400), json=big, note="10 MB value")


def probe_contents(p: Prober) -> None:
    """What the bodies carry: deep YAML, credentials in a URL, hostile resource URIs."""
    deep_slo = {"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(DEEP_YAML)}]}
    deep = "YAML nested 5,000 deep"
    p.probe("POST", f"{SERVICE_PATH}/resource", "400", status_in(400), json=deep_slo, note=deep)
    deep_shipyard = {"name": PROJECT, "shipyard": b64(DEEP_YAML)}
    p.probe("PUT", "/v1/project", "400", status_in(400), json=deep_shipyard, note=deep)
    p.probe(
        "PUT",
        f"/v1/project/{PROJECT}/monitoring",
        "400",
        status_in(400),
        json={"provider": "prometheus", "url": "http://admin:pw@host"},
        note="credentials in the URL",
    )
    # Each with content valid for the file name it ends in, so that a 400 is about the URI.
    for uri in ("./shipyard.yaml", ".//x", "shipyard.yaml/", "slo.yaml\u0000", "..\\..\\x"):
        files = {"resources": [{"resourceURI": uri, "resourceContent": b64(valid_for(uri))}]}
        path = f"{SERVICE_PATH}/resource"
        p.probe("POST", path, "400", status_in(400), json=files, note=repr(uri))
    p.probe(
        "PUT",
        f"{SERVICE_PATH}/resource/..%252F..%252Fx",
        "400",
        status_in(400),
        json={"resourceContent": b64("a: 1\n")},
        note="double-encoded ../",
    )
    probe_case(p)


def valid_for(uri: str) -> str:
    """Content that passes the validation of the document kind the URI names (if any)."""
    if "shipyard" in uri:
        return SHIPYARD
    if "slo" in uri:
        return SLO
    return "a: 1\n"


def probe_paths(p: Prober) -> None:
    """Unknown and deferred paths, and the error shape of 404, 405 and 415."""
    for method, path in (("GET", "/v1/no-such-thing"), *DEFERRED):
        p.probe(method, path, '404 {"code","message"}', error_shaped(404))
    p.probe("GET", "/v1/no-such-thing", "404", status_in(404), token=False, note="no token")
    for method, path in DEFERRED:
        # A deferred path may be answered by a route of its own (401 before the token check
        # passes) or not exist at all (404): both keep the contract.
        p.probe(method, path, "401 or 404", status_in(401, 404), token=False, note="no token")
    p.probe("GET", "/v1/project", "401", status_in(401), token=False, note="no token")
    p.probe("PATCH", "/v1/project", '405 {"code","message"}', error_shaped(405))
    text = {"content-type": "text/plain"}
    p.probe(
        "POST",
        "/v1/project",
        '415 {"code","message"}',
        error_shaped(415),
        content=b"x",
        headers=text,
    )


def probe_queries(p: Prober) -> None:
    """Keptn's `root=true`, and page sizes that `int()` would take but are not plain digits."""
    roots = f"/api/mongodb-datastore/event?root=true&project={PROJECT}"
    p.probe("GET", roots, "200, one root event per keptn context", only_roots)
    # Roots are found per project or keptn context (docs/api.md): alone, root=true is a 400.
    p.probe("GET", "/api/mongodb-datastore/event?root=true", "400", status_in(400))
    for size in ("%2B5", "1_0", "%EF%BC%95", "%D9%A5"):  # +5, 1_0, full-width 5, Arabic-Indic 5
        path = f"/api/mongodb-datastore/event?project={PROJECT}&pageSize={size}"
        p.probe("GET", path, "400", status_in(400))


def probe_wrong_tokens(p: Prober) -> None:
    """Last: a rate limit that works may refuse this client for a while.

    docs/api.md: a burst of 5 failures, then one per second, is answered as a failure (403);
    beyond that 429 with a Retry-After of whole seconds and the error body."""
    answers: list[httpx.Response | None] = []
    began = time.monotonic()
    for _ in range(25):
        try:
            answers.append(
                p.send("POST", "/api/v1/auth", token=False, headers={"x-token": "qm_wrong"})
            )
        except httpx.HTTPError:
            answers.append(None)
    # The one failure an earlier probe made (no token on /v1/project) has refilled by now or
    # not; the refill during the loop adds one per second.
    allowed = BURST + int(time.monotonic() - began) + 1
    codes = [answer.status_code if answer is not None else 0 for answer in answers]
    refused = sum(code == 403 for code in codes)
    limited = [answer for answer in answers if answer is not None and answer.status_code == 429]
    ok = (
        1 <= refused <= allowed
        and codes[0] == 403
        and set(codes) <= {403, 429}
        and len(limited) >= len(codes) - allowed
        and all(error_shaped(429)(answer) and retry_after(answer) for answer in limited)
    )
    p.record(
        "POST /api/v1/auth x25 with a wrong token",
        f"403 for the burst of {BURST} (at most {allowed}), then 429 with Retry-After",
        f"{refused} x 403, {len(limited)} x 429 with Retry-After "
        f"{sorted({answer.headers.get('retry-after') for answer in limited})}"
        + (f", others {sorted(set(codes) - {403, 429})}" if set(codes) - {403, 429} else ""),
        ok,
    )


def retry_after(response: httpx.Response) -> bool:
    value = response.headers.get("retry-after", "")
    return value.isdigit() and int(value) >= 1


def probe_case(p: Prober) -> None:
    """`Shipyard.yaml` is either refused or stored as a file of its own: the shipyard stays."""
    path = f"/v1/project/{PROJECT}/resource"
    body = {"resources": [{"resourceURI": "Shipyard.yaml", "resourceContent": b64("a: 1\n")}]}
    written = p.send("POST", path, json=body)
    shipyard = p.send("GET", f"{path}/shipyard.yaml")
    content = (body_of(shipyard) or {}).get("resourceContent", "")
    intact = shipyard.status_code == 200 and base64.b64decode(content or "").decode() == SHIPYARD
    if written.status_code == 400:
        got = "400 (refused)"
    elif written.status_code < 300:
        got = f"{written.status_code}, stored apart" if intact else "stored over the shipyard"
    else:
        got = str(written.status_code)
    ok = intact and (written.status_code == 400 or written.status_code < 300)
    p.record(f"POST {path} ['Shipyard.yaml']", "400, or its own file", got, ok)


def only_roots(response: httpx.Response) -> bool:
    """Root events only (docs/api.md): the earliest event of each keptn context, the one that
    started it; so one event per context, answering no other (no `triggeredid`)."""
    events = (body_of(response) or {}).get("events") if response.status_code == 200 else None
    if not isinstance(events, list) or not events:
        return False
    contexts = [event.get("shkeptncontext") for event in events]
    return len(set(contexts)) == len(contexts) and not any(
        event.get("triggeredid") for event in events
    )


def start_runtime() -> tuple[str, str, Callable[[], Any]]:
    """The runtime in a temporary home (the user's ~/.qm is left alone), and how to stop it."""
    home = tempfile.mkdtemp(prefix="qm-probe-")
    os.environ["QM_HOME"] = home
    from qm.local import control

    def stop() -> None:
        control.down()
        shutil.rmtree(home, ignore_errors=True)

    try:
        state = control.up()
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    return str(state["endpoint"]), str(state["token"]), stop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", help="probe this API instead of starting the runtime")
    parser.add_argument("--token", help="its API token (with --endpoint)")
    arguments = parser.parse_args()
    began = time.monotonic()
    stop: Callable[[], Any] | None = None
    if arguments.endpoint:
        endpoint, token = arguments.endpoint, arguments.token or os.environ.get("QM_TOKEN", "")
    else:
        try:
            endpoint, token, stop = start_runtime()
        except Exception as error:  # a CliError naming the log to read, or a timeout
            print(f"could not start the local runtime: {getattr(error, 'message', error)}")
            return 2
    prober = Prober(endpoint, token, began + BUDGET_S)
    try:
        run_probes(prober)
    finally:
        if stop is not None:
            stop()
    good = sum(outcome.ok for outcome in prober.outcomes)
    print(
        f"tried {len(prober.outcomes)} / answered as expected {good} "
        f"({time.monotonic() - began:.0f} s)"
    )
    return 0 if good == len(prober.outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
