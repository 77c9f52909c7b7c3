"""The embedded runtime process: AWS emulator, resources, HTTP API and handler dispatcher.

It creates the stack from infra/definition.py (rules targeting SQS), then feeds each rule's queue
to the same handler function a Lambda would run, as EventBridge feeds Lambda in AWS.
Run by `qm local up` as `python -m qm.local.runtime --state-dir DIR`.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOCAL_STAGE = "local"
REGION = "us-east-1"
log = logging.getLogger("qm.local")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def configure_environment(moto_port: int) -> None:
    """Point boto3 at the emulator; chalicelib only ever sees ordinary AWS settings."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "MOTO_PORT": str(moto_port),
            "QM_STAGE": LOCAL_STAGE,
            # Deployment targets: everything on the emulator may be deployed to.
            "QM_TARGET_FUNCTIONS": "*",
            "QM_TARGET_ROLES": "*",
            "QM_TARGET_CLUSTERS": "*",
        }
    )


def start_emulator(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """moto in server mode on 127.0.0.1, in a process of its own (so the emulator and the
    handlers do not share one interpreter lock), with Step Functions really executing and
    DynamoDB safe for concurrent requests (qm/local/emulator.py)."""
    import httpx

    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "qm.local.emulator", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.post(
                f"http://127.0.0.1:{port}/moto-api/config",
                json={"stepfunctions": {"execute_state_machine": True}},
                timeout=5,
            ).raise_for_status()
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the AWS emulator did not start; see {log_path}") from None
            time.sleep(0.1)


def create_resources(stage: str) -> None:
    """Create the stack from the same definition a deployment uses (rules -> SQS)."""
    import boto3

    from infra.definition import template_json

    cloudformation = boto3.client("cloudformation")
    stack = f"quartermaster-{stage}"
    cloudformation.create_stack(StackName=stack, TemplateBody=template_json(stage, "sqs"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        if status == "CREATE_COMPLETE":
            return
        if status.endswith("FAILED") or status.startswith("ROLLBACK"):
            raise RuntimeError(f"local stack {stack} failed: {status}")
        time.sleep(0.2)
    raise RuntimeError(f"local stack {stack} was not created within 60 s")


class Dispatcher:
    """Feeds each handler's queue to its function as an event source mapping would (see
    `QueuePoller`: long polling, up to the handler's reserved concurrency at once, a failure
    left for a retry and, after three receives, the dead-letter queue) and runs the schedules."""

    def __init__(self, stage: str, schedule_seconds: float) -> None:
        import boto3
        from botocore.config import Config

        from infra.handlers import HANDLERS
        from qm.local.delivery import QueuePoller, queued_handlers, scheduled_handlers
        from qm.local.executions import ExecutionReporter

        self._stop = threading.Event()
        # One client for every poller and invocation: enough connections that none waits
        # for another's long poll, and none is opened and dropped per call.
        connections = sum(1 + spec.reserved_concurrency for spec in HANDLERS)
        sqs = boto3.client("sqs", config=Config(max_pool_connections=connections))
        self._workers = [
            threading.Thread(
                target=QueuePoller(sqs, queued, queued.spec.reserved_concurrency, self._stop).run,
                name=f"q-{queued.spec.name}",
                daemon=True,
            )
            for queued in queued_handlers(sqs, stage)
        ]
        self._workers += [
            threading.Thread(
                target=self._tick,
                args=(spec.name, handler, schedule_seconds),
                name=f"s-{spec.name}",
                daemon=True,
            )
            for spec, handler in scheduled_handlers()
        ]
        reporter = ExecutionReporter(boto3.client("stepfunctions"), boto3.client("events"), stage)
        self._workers.append(
            threading.Thread(
                target=reporter.run, args=(self._stop, 2.0), name="executions", daemon=True
            )
        )

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self._stop.set()

    def _tick(self, name: str, handler: Callable[[dict[str, Any], Any], Any], every: float) -> None:
        from qm.local.delivery import LambdaContext

        event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
        while not self._stop.wait(every):
            try:
                handler(event, LambdaContext(function_name=name))
            except Exception:
                log.exception("scheduled handler %s failed", name)


def serve_api(port: int) -> Any:
    """The Chalice app on 127.0.0.1, as `chalice local` serves it, but routed as API Gateway
    routes (qm/local/gateway.py) and without Nagle's delay."""
    from chalice.config import Config
    from chalice.local import LocalChalice, LocalDevServer, create_local_server

    from app import app
    from qm.local.gateway import RequestHandler

    config = Config.create(chalice_stage="dev")
    if isinstance(app, LocalChalice):  # a second server in this process (tests)
        server = LocalDevServer(app, config, "127.0.0.1", port)
    else:  # also makes the app's current_request per thread, once per process
        server = create_local_server(app, config, "127.0.0.1", port)
    server.server.RequestHandlerClass = functools.partial(
        RequestHandler, app_object=app, config=config
    )
    thread = threading.Thread(target=server.serve_forever, name="api", daemon=True)
    thread.start()
    return server


def run(state_dir: Path) -> None:
    """Start everything, write the state file, and serve until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    moto_port, api_port = free_port(), free_port()
    configure_environment(moto_port)
    # Approval links in chat messages point at this API (unless the caller chose a URL).
    os.environ.setdefault("QM_PUBLIC_API_URL", f"http://127.0.0.1:{api_port}")
    emulator = start_emulator(moto_port, state_dir / "emulator.log")
    create_resources(LOCAL_STAGE)

    from chalicelib.bootstrap import container
    from chalicelib.services.auth import issue_token

    token = issue_token(container().tokens, "admin")
    dispatcher = Dispatcher(LOCAL_STAGE, schedule_seconds=5)
    dispatcher.start()
    api = serve_api(api_port)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    state = {
        "pid": os.getpid(),
        "endpoint": f"http://127.0.0.1:{api_port}",
        "aws_endpoint": f"http://127.0.0.1:{moto_port}",
        "token": token,
    }
    state_file = state_dir / "state.json"
    state_file.write_text(json.dumps(state, indent=2))
    state_file.chmod(0o600)
    log.info("Quartermaster local runtime ready on %s", state["endpoint"])
    stopped.wait()
    dispatcher.stop()
    api.shutdown()
    emulator.terminate()
    emulator.wait(timeout=10)
    state_file.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True)
    arguments = parser.parse_args()
    arguments.state_dir.mkdir(parents=True, exist_ok=True)
    run(arguments.state_dir)


if __name__ == "__main__":
    main()
