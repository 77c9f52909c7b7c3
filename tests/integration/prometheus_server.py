"""A real Prometheus server loaded with known samples, for the Prometheus SLI provider's tests.

The samples are written as OpenMetrics, turned into TSDB blocks with `promtool tsdb
create-blocks-from openmetrics` and served by `prometheus` on 127.0.0.1 (Debian package
`prometheus`). They lie on 2024-01-01 from 10:00 to 10:10 UTC, for the service carts of project
sockshop in stage dev (job "carts-sockshop-dev"), every 15 s:

* http_requests_total, status 200: 1 request/s until 10:05, then 2/s; status 500: 0.1/s.
  Over 10:00-10:10 that is 1.6 requests/s with 6.25 % errors; over 10:05-10:10, 2.1/s.
* http_response_time_milliseconds histogram: of every 10 requests 8 take <= 100 ms, 9 <= 200 ms
  and 10 <= 500 ms, so the 95th percentile is 200 + 300 * (9.5 - 9) / (10 - 9) = 350 ms.
* memory_usage_bytes gauge: 100 on instance a, 300 on instance b.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import yaml

T0 = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
STEP_SECONDS = 15
STEPS = 40  # 10 minutes of samples
JOB = "carts-sockshop-dev"
HANDLER = "ItemsController.addToCart"
USERNAME = "quartermaster"
PASSWORD = "quality-gate"
# bcrypt (cost 4, to keep every request fast) of PASSWORD, for Prometheus's web config.
PASSWORD_HASH = "$2b$04$5JXB0/KcunjNb.voHqky3OFTk7rMTF04t8wv36deWTip.feeYJ3ne"
MISSING = (
    "{tool} was not found: install the Debian package 'prometheus' (it provides "
    "/usr/bin/prometheus and /usr/bin/promtool), e.g. with scripts/install-system-deps.sh"
)


def openmetrics() -> str:
    """The samples described in the module docstring, in OpenMetrics text format."""
    start = int(T0.timestamp())
    lines = ["# TYPE http_requests counter"]
    for status in ("200", "500"):
        labels = f'job="{JOB}",handler="{HANDLER}",status="{status}"'
        for step in range(STEPS + 1):
            if status == "500":
                total = 1.5 * step
            else:
                total = 15.0 * step if step <= 20 else 300.0 + 30.0 * (step - 20)
            lines.append(f"http_requests_total{{{labels}}} {total} {start + STEP_SECONDS * step}")
    lines.append("# TYPE http_response_time_milliseconds histogram")
    labels = f'job="{JOB}",handler="{HANDLER}"'
    for step in range(STEPS + 1):
        at = start + STEP_SECONDS * step
        for bound, per_step in (("100", 8), ("200", 9), ("500", 10), ("+Inf", 10)):
            lines.append(
                f'http_response_time_milliseconds_bucket{{{labels},le="{bound}"}} '
                f"{per_step * step} {at}"
            )
        lines.append(f"http_response_time_milliseconds_count{{{labels}}} {10 * step} {at}")
        lines.append(f"http_response_time_milliseconds_sum{{{labels}}} {1500 * step} {at}")
    lines.append("# TYPE memory_usage_bytes gauge")
    for instance, value in (("a", 100), ("b", 300)):
        for step in range(STEPS + 1):
            at = start + STEP_SECONDS * step
            lines.append(f'memory_usage_bytes{{job="{JOB}",instance="{instance}"}} {value} {at}')
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else "")
    if not found:
        pytest.fail(MISSING.format(tool=name))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_prometheus(workdir: Path) -> Iterator[str]:
    """A Prometheus server with the samples above, behind basic auth, until the generator ends."""
    prometheus, promtool = tool("prometheus"), tool("promtool")
    samples, data = workdir / "samples.om", workdir / "data"
    samples.write_text(openmetrics())
    created = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(samples), str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if created.returncode:
        pytest.fail(f"promtool could not create blocks: {created.stdout}{created.stderr}")
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1h\n")  # no scrape_configs: it scrapes nothing
    web_config = workdir / "web.yml"
    web_config.write_text(yaml.safe_dump({"basic_auth_users": {USERNAME: PASSWORD_HASH}}))
    url = f"http://127.0.0.1:{free_port()}"
    log_path = workdir / "prometheus.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address={url.removeprefix('http://')}",
                f"--web.config.file={web_config}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(url, process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prometheus exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            ready = httpx.get(f"{url}/-/ready", auth=(USERNAME, PASSWORD), timeout=1)
            if ready.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"prometheus was not ready within 30 s:\n{log_path.read_text()}")
