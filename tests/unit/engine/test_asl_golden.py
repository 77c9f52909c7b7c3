"""Golden ASL files: every sequence of every example shipyard, compiled, compared byte for byte.

`tests/golden/asl/<example>/<stage>.<sequence>.json` holds the definition the compiler must
produce for `examples/<example>/shipyard.yaml` (with the fixed queue URLs below and the
deployment's default answer deadline). A change in
the compiler or in an example shows up here as a diff to review.

To accept a change on purpose, regenerate the files and review them with `git diff`:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/engine/test_asl_golden.py

In that mode the tests rewrite every golden file, delete the ones no sequence matches any
more, and pass.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import parse_document
from chalicelib.engine.asl import compile_project
from chalicelib.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
GOLDEN = ROOT / "tests" / "golden" / "asl"
DISPATCH = "https://sqs.us-east-1.amazonaws.com/123456789012/dispatch"
CONTROL = "https://sqs.us-east-1.amazonaws.com/123456789012/control"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def render(definition: dict[str, Any]) -> str:
    """Sorted keys and a final newline, so the files diff well and compare exactly."""
    return json.dumps(definition, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files() -> dict[str, str]:
    """`<example>/<stage>.<sequence>.json` -> its content, for every example shipyard."""
    files: dict[str, str] = {}
    for path in sorted(EXAMPLES.glob("*/shipyard.yaml")):
        shipyard = parse_document(path.read_text(encoding="utf-8"), Shipyard, "shipyard.yaml")
        definitions = compile_project(
            shipyard,
            dispatch_queue_url=DISPATCH,
            control_queue_url=CONTROL,
            # The deployment's default answer deadline, as machines are deployed with it.
            answer_seconds=Settings().task_wait_seconds,
        )
        for (stage, sequence), definition in definitions.items():
            files[f"{path.parent.name}/{stage}.{sequence}.json"] = render(definition)
    return files


EXPECTED = expected_files()


def test_the_examples_have_sequences_to_compare() -> None:
    # Guards against a glob that silently matches nothing and makes every other test vacuous.
    assert len({name.split("/")[0] for name in EXPECTED}) >= 3
    assert "delivery/production.delivery.json" in EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_compiled_sequence_matches_its_golden_file(name: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EXPECTED[name], encoding="utf-8")
        return
    if not path.is_file():
        pytest.fail(f"{path} is missing; create it with UPDATE_GOLDEN=1 and review it")
    golden = path.read_text(encoding="utf-8")
    if golden != EXPECTED[name]:
        diff = difflib.unified_diff(
            golden.splitlines(keepends=True),
            EXPECTED[name].splitlines(keepends=True),
            fromfile=f"golden/{name}",
            tofile="compiled",
        )
        pytest.fail(
            f"the compiled ASL differs from {path} (rerun with UPDATE_GOLDEN=1 if the change "
            "is intended):\n" + "".join(diff),
            pytrace=False,
        )


def test_every_golden_file_belongs_to_a_sequence() -> None:
    present = {path.relative_to(GOLDEN).as_posix() for path in GOLDEN.rglob("*.json")}
    orphans = sorted(present - set(EXPECTED))
    if UPDATE:
        for orphan in orphans:
            (GOLDEN / orphan).unlink()
        return
    assert not orphans, (
        f"golden files without a matching example sequence: {', '.join(orphans)}; "
        "delete them or rerun with UPDATE_GOLDEN=1"
    )
