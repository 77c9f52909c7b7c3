"""`make demo`: start the local runtime and walk through a project as a user would, with `qm`.

Each step prints the command it runs, so the output doubles as a tour of the CLI.
The runtime keeps running afterwards for exploration; `qm local down` stops it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from qm.demo_lambda import LambdaTraffic

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT_ROOT / "examples" / "delivery"
DEMO_SHIPYARD = Path(__file__).resolve().parent / "demo_files" / "shipyard.yaml"
DEMO_FILES = Path(__file__).resolve().parent / "demo_files"
DEMO_SLI = DEMO_FILES / "sli.yaml"
QM = str(Path(sys.executable).with_name("qm"))
console = Console()


def run(*arguments: str, capture: bool = False) -> str:
    console.print(f"\n[bold cyan]$ qm {' '.join(arguments)}[/bold cyan]")
    result = subprocess.run([QM, *arguments], text=True, capture_output=capture, check=False)
    if result.returncode != 0:
        if capture:
            console.print(result.stdout + result.stderr)
        raise SystemExit(f"demo step failed: qm {' '.join(arguments)}")
    if capture:
        console.print(result.stdout.rstrip())
        return result.stdout
    return ""


def wait_for_approval(timeout_s: float = 120) -> None:
    """Dev and staging run first; the approval opens when production starts."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        listed = subprocess.run(
            [QM, "get", "approvals", "--project", "sockshop", "--output", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        if listed.returncode == 0 and json.loads(listed.stdout)["events"]:
            return
        time.sleep(0.5)
    raise SystemExit(f"no approval opened within {timeout_s:.0f} s")


def put_staging_metrics() -> None:
    """What carts in staging would report to CloudWatch, put into the emulator's CloudWatch."""
    from qm.local.control import emulator_client, read_state

    state = read_state()
    if state is None:
        raise SystemExit("the local runtime stopped")
    console.print(
        "\n[bold cyan]# carts reports its metrics to CloudWatch (here: the emulator)[/bold cyan]"
    )
    cloudwatch = emulator_client(state, "cloudwatch")
    dimensions = [{"Name": "Service", "Value": "carts"}, {"Name": "Stage", "Value": "staging"}]
    now = datetime.now(UTC)
    samples = {"ResponseTime": (310.0, 420.0, 380.0), "ErrorRate": (0.2, 0.4, 0.3)}
    samples["Requests"] = (120.0, 135.0, 128.0)
    cloudwatch.put_metric_data(
        Namespace="Sockshop",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": now - timedelta(minutes=minutes_ago),
                "Value": value,
            }
            for name, values in samples.items()
            for minutes_ago, value in zip((4, 3, 2), values, strict=True)
        ],
    )


def start_sample_tool() -> subprocess.Popen[str]:
    console.print(
        "\n[bold cyan]$ python -m qm.local.sample_tool --stages dev,staging &[/bold cyan]   "
        "(answers deployment, test, release in dev and staging through the bus and the API)"
    )
    tool = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qm.local.sample_tool",
            "--tasks",
            "deployment,test,release,rollback",
            "--stages",
            "dev,staging",
        ],
        cwd=PROJECT_ROOT,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    time.sleep(1.5)  # its subscription (a rule and a queue) is in place before the trigger
    return tool


def emulator() -> Callable[[str], Any]:
    """Clients of the running runtime's emulator, by service name."""
    from qm.local.control import emulator_client, read_state

    state = read_state()
    if state is None:
        raise SystemExit("the local runtime stopped")
    return lambda service: emulator_client(state, service)


def prepare_production_target() -> str:
    """The carts function on the emulator, production's target.yaml and its gate; the next
    build's S3 URI."""
    from qm.demo_lambda import create_function

    console.print(
        "\n[bold cyan]# carts runs on AWS Lambda in production (here: the emulator): version 1 "
        "behind the alias 'live'; the next build waits in S3[/bold cyan]"
    )
    artifact = create_function(emulator())
    for resource, uri in (
        (DEMO_FILES / "target.yaml", "target.yaml"),
        (DEMO_FILES / "lambda_slo.yaml", "slo.yaml"),
        (DEMO_FILES / "lambda_sli.yaml", "cloudwatch/sli.yaml"),
    ):
        run(
            "add-resource",
            "--project",
            "sockshop",
            "--stage",
            "production",
            "--service",
            "carts",
            "--resource",
            str(resource),
            "--resourceUri",
            uri,
        )
    return artifact


def main() -> None:
    console.rule("Quartermaster demo")
    run("local", "up")
    run("validate", *sorted(str(path) for path in EXAMPLE.glob("*.yaml")))
    existing = subprocess.run([QM, "get", "project", "sockshop"], capture_output=True, check=False)
    if existing.returncode == 0:
        run("delete", "project", "sockshop")
    run("create", "project", "sockshop", "--shipyard", str(DEMO_SHIPYARD))
    run("create", "service", "carts", "--project", "sockshop")
    run("get", "stage", "--project", "sockshop")
    for resource, uri in ((EXAMPLE / "slo.yaml", "slo.yaml"), (DEMO_SLI, "cloudwatch/sli.yaml")):
        run(
            "add-resource",
            "--project",
            "sockshop",
            "--stage",
            "staging",
            "--service",
            "carts",
            "--resource",
            str(resource),
            "--resourceUri",
            uri,
        )
    run("configure", "monitoring", "cloudwatch", "--project", "sockshop")
    put_staging_metrics()
    artifact = prepare_production_target()
    tool = start_sample_tool()
    traffic = LambdaTraffic(emulator())  # callers of carts in production, reporting metrics
    traffic.start()
    try:
        sent = run(
            "trigger",
            "delivery",
            "--project",
            "sockshop",
            "--service",
            "carts",
            "--image",
            "docker.io/keptnexamples/carts:0.13.3",
            "--values",
            f"artifact={artifact}",
            "--labels",
            "buildId=1.4.2",
            capture=True,
        )
        context = sent.split("keptnContext", 1)[1].split()[0]
        wait_for_approval()
        run("get", "approvals", "--project", "sockshop")
        console.print(
            "\nThe delivery passed dev and staging and now waits for a person before production,"
            "\nwhere Quartermaster deploys carts itself: a canary of 10% then 50% of the traffic,"
            "\n10 s each, gated by the new version's own Lambda metrics, then all of it."
            "\nApprove it with:  qm approve --project sockshop --stage production "
            "--comment 'ship it'\n(or decline it with qm decline ...)"
        )
        if sys.stdin.isatty():
            input("Press Enter to approve it now... ")
        run("approve", "--project", "sockshop", "--stage", "production", "--comment", "ship it")
        run(
            "get",
            "sequences",
            "--project",
            "sockshop",
            "--keptn-context",
            context,
            "--watch",
            "--timeout",
            "240",
        )
    finally:
        traffic.stop()
        tool.terminate()
    run("get", "sequences", "--project", "sockshop")
    run("get", "evaluations", "--project", "sockshop", "--stage", "staging", "--service", "carts")
    run(
        "get", "evaluations", "--project", "sockshop", "--stage", "production", "--service", "carts"
    )
    run("get", "service", "carts", "--project", "sockshop")
    console.rule("Done")
    console.print(
        "A delivery ran through dev, staging and, once approved, production: each task went "
        "out as a Keptn CloudEvent on the bus, the sample tool answered dev's and staging's "
        "through the API, the lighthouse gated staging on its CloudWatch metrics, the approval "
        "waited for a person, Quartermaster deployed carts to Lambda in production as a canary "
        "(its own Step Functions execution, each step gated by the new version's metrics), and "
        "Step Functions moved each stage on. The runtime keeps "
        "running: try `qm get event --project sockshop`, or open the Bridge at the endpoint "
        "`qm local up` printed, plus /bridge/. Stop it with `qm local down`."
    )


if __name__ == "__main__":
    main()
