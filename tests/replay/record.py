"""Record sequencing histories from real runs: `python -m tests.replay.record [NAME ...]`.

Each scenario runs in an emulated account of its own (moto, the stack from infra/definition.py,
Step Functions really executing the sequences' state machines), with the real app and handler
functions, fed from their queues as the embedded runtime feeds them (qm/local/delivery.py), and
Step Functions' status changes reported as the runtime reports them (qm/local/executions.py).
Every delivery to a sequencing handler, and every API call that controls a run or decides an
approval, is written with what it did (tests/replay/history.py) to tests/data/replay/<name>.json.

Two things are held still so that a recording is the same each time: the control plane's clock
is a logical one (it moves one second per delivery or API call, and jumps to a deadline when
the scenario waits for one), and the control plane's delayed messages (a released task's
answer deadline, an API call's settle message) are held by the recorder and sent to the
control queue when that clock reaches them (SQS would delay them in real seconds). A scenario
about the answer deadline gives its machines a short one (their Task states' heartbeat runs
in real seconds). Triggers and
answers carry fixed ids and contexts. moto's executions that wait for a task token do not stop
when stopped, so the recorder reports such a stop as Step Functions would (an `ABORTED` status
change to the reconciler). A handler that fails stops the recording: recordings are clean runs.

For developers, not CI: a scenario takes about ten seconds, all of them about a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.replay.session import STAGE, Session

DATA = Path(__file__).resolve().parents[1] / "data" / "replay"


@contextmanager
def account() -> Iterator[None]:
    """An emulated account with the stack, as tests/integration/conftest.py creates it."""
    import boto3
    from moto import mock_aws

    from chalicelib.bootstrap import use_container
    from infra.definition import build_template
    from tests.integration.conftest import MOTO_CONFIG

    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        with mock_aws(config=MOTO_CONFIG):
            boto3.client("cloudformation").create_stack(
                StackName=f"quartermaster-{STAGE}",
                TemplateBody=json.dumps(build_template(STAGE, "sqs")),
            )
            yield
    finally:
        use_container(None)
        os.environ.clear()
        os.environ.update(saved)


def record(name: str, out: Path = DATA) -> Path:
    from tests.replay.scenarios import SCENARIOS

    scenario = SCENARIOS[name]
    with account():
        session = Session(scenario.shipyard, scenario.answer_seconds)
        scenario.play(session)
        session.end()
        history = session.history(name, scenario.description)
    path = out / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(history, indent=1, sort_keys=False) + "\n")
    return path


def main() -> None:
    from tests.replay.scenarios import SCENARIOS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"scenarios (default: all of {sorted(SCENARIOS)})")
    parser.add_argument("--out", type=Path, default=DATA)
    arguments = parser.parse_args()
    # The failed task of execution-failed is meant: moto need not log it as an error.
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    for name in arguments.names or sorted(SCENARIOS):
        started = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()):  # the handlers' metric lines
            path = record(name, arguments.out)
        print(f"{name}: {path} ({time.monotonic() - started:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
