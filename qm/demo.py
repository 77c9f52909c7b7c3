"""`make demo`: start the local runtime and walk through a project as a user would, with `qm`.

Each step prints the command it runs, so the output doubles as a tour of the CLI.
The runtime keeps running afterwards for exploration; `qm local down` stops it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT_ROOT / "examples" / "delivery"
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


def wait_for_event(context: str, timeout_s: float = 30) -> None:
    """The recorder stores events asynchronously (bus -> rule -> handler), so poll briefly."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        listed = subprocess.run(
            [QM, "get", "event", "--keptn-context", context, "--output", "json"],
            text=True,
            capture_output=True,
            check=False,
        )
        if listed.returncode == 0 and json.loads(listed.stdout)["events"]:
            return
        time.sleep(0.5)
    raise SystemExit(f"the event of context {context} was not stored within {timeout_s} s")


def main() -> None:
    console.rule("Quartermaster demo")
    run("local", "up")
    run("validate", *sorted(str(path) for path in EXAMPLE.glob("*.yaml")))
    existing = subprocess.run([QM, "get", "project", "sockshop"], capture_output=True, check=False)
    if existing.returncode == 0:
        run("delete", "project", "sockshop")
    run("create", "project", "sockshop", "--shipyard", str(EXAMPLE / "shipyard.yaml"))
    run("create", "service", "carts", "--project", "sockshop")
    run("get", "stage", "--project", "sockshop")
    for stage in ("staging", "production"):
        run(
            "add-resource",
            "--project",
            "sockshop",
            "--stage",
            stage,
            "--service",
            "carts",
            "--resource",
            str(EXAMPLE / "slo.yaml"),
            "--resourceUri",
            "slo.yaml",
        )
    run(
        "add-resource",
        "--project",
        "sockshop",
        "--stage",
        "production",
        "--service",
        "carts",
        "--resource",
        str(EXAMPLE / "remediation.yaml"),
        "--resourceUri",
        "remediation.yaml",
    )

    event = {
        "specversion": "1.0",
        "source": "https://github.com/keptn/keptn/cli#configuration-change",
        "type": "sh.keptn.event.dev.delivery.triggered",
        "data": {
            "project": "sockshop",
            "stage": "dev",
            "service": "carts",
            "labels": {"buildId": "1.4.2-rc1"},
            "configurationChange": {"values": {"image": "docker.io/keptnexamples/carts:0.13.3"}},
        },
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(event, file)
    sent = run("send", "event", "--file", file.name, capture=True)
    context = sent.split("keptnContext", 1)[1].split()[0].strip()
    wait_for_event(context)
    run("get", "event", "--keptn-context", context)
    console.rule("Done")
    console.print(
        "The event went through the API onto the EventBridge bus, and the recorder stored it.\n"
        "The runtime keeps running: try `qm get project`, `qm get event --project sockshop`.\n"
        "Stop it with `qm local down`."
    )


if __name__ == "__main__":
    main()
