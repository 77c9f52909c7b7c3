"""Our shipyard validation agrees with Keptn's JSON schema (keptn/spec shipyard.schema.json).

Where they differ on purpose, the difference is listed and tested separately below:
our semantic rules are stricter than the schema (names, durations, triggers), and one rule is
looser (a stage may leave out `sequences`, as Keptn's own quality-gates example does).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chalicelib.domain.shipyard import Shipyard
from chalicelib.domain.yamldoc import document_problems, load_yaml

BASE = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata:
  name: shipyard-shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: direct
    - name: prod
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
              selector:
                match:
                  result: pass
          tasks:
            - name: evaluation
              triggeredAfter: 10m
"""

TRIGGERS = (
    "          triggeredOn:\n            - event: dev.delivery.finished\n"
    "              selector:\n                match:\n                  result: pass\n"
)
HEADER = BASE.split("  stages:\n")[0]
PROD_HEAD = BASE.split("      sequences:\n        - name: delivery\n          triggeredOn:")[0]


def variant(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


# (id, text, accepted by both)
AGREED: list[tuple[str, str, bool]] = [
    ("base", BASE, True),
    ("empty sequences", PROD_HEAD + "      sequences: []\n", True),
    (
        "free properties",
        variant("deploymentstrategy: direct", "nested: {a: [1, {b: true}]}\n                n: 3"),
        True,
    ),
    (
        "several match keys",
        variant("result: pass", "result: pass\n                  deployment.result: pass"),
        True,
    ),
    (
        "empty match",
        variant(
            "                match:\n                  result: pass\n",
            "                match: {}\n",
        ),
        True,
    ),
    (
        "no selector",
        variant(
            "              selector:\n                match:\n                  result: pass\n", ""
        ),
        True,
    ),
    (
        "no triggeredOn",
        variant(
            TRIGGERS,
            "",
        ),
        True,
    ),
    ("missing apiVersion", variant("apiVersion: spec.keptn.sh/0.2.3\n", ""), False),
    ("missing kind", variant("kind: Shipyard\n", ""), False),
    ("missing metadata", variant("metadata:\n  name: shipyard-shop\n", ""), False),
    ("missing metadata.name", variant("  name: shipyard-shop\n", "  {}\n"), False),
    ("missing spec.stages", HEADER.replace("spec:\n", "spec: {}\n"), False),
    ("missing stage name", variant("    - name: dev\n      sequences:", "    - sequences:"), False),
    (
        "missing sequence name",
        variant(
            "        - name: delivery\n          tasks:\n            - name: deployment",
            "        - tasks:\n            - name: deployment",
        ),
        False,
    ),
    (
        "missing tasks",
        variant(
            "          tasks:\n            - name: evaluation\n              triggeredAfter: 10m\n",
            "",
        ),
        False,
    ),
    (
        "missing task name",
        variant("            - name: deployment\n", "            - triggeredAfter: 1m\n"),
        False,
    ),
    (
        "missing trigger event",
        variant(
            "            - event: dev.delivery.finished\n              selector:",
            "            - selector:",
        ),
        False,
    ),
    (
        "selector without match",
        variant(
            "              selector:\n                match:\n                  result: pass\n",
            "              selector: {}\n",
        ),
        False,
    ),
    ("extra key at top level", BASE + "extra: 1\n", False),
    (
        "extra key in metadata",
        variant("  name: shipyard-shop\n", "  name: shipyard-shop\n  labels: {a: b}\n"),
        False,
    ),
    ("extra key in spec", BASE + "  extra: 1\n", False),
    (
        "extra key in stage",
        variant("    - name: dev\n", "    - name: dev\n      color: red\n"),
        False,
    ),
    (
        "extra key in sequence",
        variant(
            "        - name: delivery\n          triggeredOn:",
            "        - name: delivery\n          timeout: 1h\n          triggeredOn:",
        ),
        False,
    ),
    (
        "extra key in task",
        variant(
            "              triggeredAfter: 10m\n",
            "              triggeredAfter: 10m\n              timeout: 1h\n",
        ),
        False,
    ),
    (
        "extra key in trigger",
        variant(
            "            - event: dev.delivery.finished\n",
            "            - event: dev.delivery.finished\n              when: always\n",
        ),
        False,
    ),
    (
        "extra key in selector",
        variant("                match:\n", "                labels: {}\n                match:\n"),
        False,
    ),
    (
        "apiVersion not a string",
        variant("apiVersion: spec.keptn.sh/0.2.3", "apiVersion: 0.2"),
        False,
    ),
    ("kind not a string", variant("kind: Shipyard", "kind: [Shipyard]"), False),
    (
        "metadata not a mapping",
        variant("metadata:\n  name: shipyard-shop\n", "metadata: shipyard-shop\n"),
        False,
    ),
    ("stages not a list", HEADER + "  stages: {dev: {name: dev, sequences: []}}\n", False),
    (
        "properties null",
        variant("triggeredAfter: 10m", "triggeredAfter: 10m\n              properties:"),
        False,
    ),
    ("triggeredAfter null", variant("triggeredAfter: 10m", "triggeredAfter:"), False),
    ("stage name a number", variant("    - name: dev\n", "    - name: 7\n"), False),
    ("sequences null", PROD_HEAD + "      sequences:\n", False),
    (
        "tasks a mapping",
        variant(
            "          tasks:\n            - name: evaluation\n              triggeredAfter: 10m\n",
            "          tasks:\n            name: evaluation\n",
        ),
        False,
    ),
    (
        "properties a list",
        variant("                deploymentstrategy: direct\n", "                - direct\n"),
        False,
    ),
    ("triggeredAfter a number", variant("triggeredAfter: 10m", "triggeredAfter: 10"), False),
    (
        "triggeredOn a string",
        variant(
            TRIGGERS,
            "          triggeredOn: dev.delivery.finished\n",
        ),
        False,
    ),
    ("match value not a string", variant("result: pass", "result: 1"), False),
    (
        "match a list",
        variant(
            "                match:\n                  result: pass\n",
            "                match: [result]\n",
        ),
        False,
    ),
    ("document is a list", "- a\n", False),
]

# Accepted by the schema, refused by our semantic rules on purpose (reference 1.2, 2.2).
STRICTER: list[tuple[str, str]] = [
    (
        "uppercase stage name",
        variant("    - name: prod\n", "    - name: Prod\n").replace("prod.", "Prod."),
    ),
    ("dot in stage name", variant("    - name: dev\n", "    - name: dev.eu\n")),
    ("stage name ending in '-'", variant("    - name: dev\n", "    - name: dev-\n")),
    (
        "dot in sequence name",
        variant(
            "        - name: delivery\n          tasks:",
            "        - name: deliver.y\n          tasks:",
        ),
    ),
    (
        "dot in task name",
        variant("            - name: deployment\n", "            - name: deploy.ment\n"),
    ),
    (
        "no stages",
        variant("spec:\n  stages:\n", "spec:\n  stages: []\n  unused:\n").split("  unused:")[0],
    ),
    (
        "duplicate stage names",
        variant("    - name: prod\n", "    - name: dev\n").replace(
            "- event: dev.delivery", "- event: dev.delivery"
        ),
    ),
    ("bad Go duration", variant("triggeredAfter: 10m", "triggeredAfter: 10 minutes")),
    (
        "trigger event in long form",
        variant("- event: dev.delivery.finished", "- event: sh.keptn.event.dev.delivery.finished"),
    ),
    ("pre-0.2 apiVersion", variant("spec.keptn.sh/0.2.3", "spec.keptn.sh/0.1.7")),
    ("kind other than Shipyard", variant("kind: Shipyard", "kind: Pipeline")),
]

# Refused by the schema, accepted by us on purpose: Keptn's own quality-gates example.
LOOSER: list[tuple[str, str]] = [
    ("stage without sequences", PROD_HEAD),
]


@pytest.fixture(scope="module")
def validator(reference_dir: Path) -> jsonschema.Draft4Validator:
    schema = json.loads((reference_dir / "keptn-api" / "shipyard.schema.json").read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def schema_accepts(validator: jsonschema.Draft4Validator, text: str) -> bool:
    data: Any = load_yaml(text, "shipyard.yaml").data
    return bool(validator.is_valid(data))


def we_accept(text: str) -> bool:
    return document_problems(text, Shipyard, "shipyard.yaml") == []


@pytest.mark.parametrize(
    ("text", "accepted"), [(t, a) for _, t, a in AGREED], ids=[i for i, _, _ in AGREED]
)
def test_we_agree_with_the_schema(
    validator: jsonschema.Draft4Validator, text: str, accepted: bool
) -> None:
    assert schema_accepts(validator, text) is accepted
    assert we_accept(text) is accepted


@pytest.mark.parametrize("text", [t for _, t in STRICTER], ids=[i for i, _ in STRICTER])
def test_intentionally_stricter_than_the_schema(
    validator: jsonschema.Draft4Validator, text: str
) -> None:
    assert schema_accepts(validator, text)
    assert not we_accept(text)


@pytest.mark.parametrize("text", [t for _, t in LOOSER], ids=[i for i, _ in LOOSER])
def test_intentionally_looser_than_the_schema(
    validator: jsonschema.Draft4Validator, text: str
) -> None:
    assert not schema_accepts(validator, text)
    assert we_accept(text)


def test_keptn_example_shipyards_agree_except_the_documented_case(
    validator: jsonschema.Draft4Validator, reference_dir: Path
) -> None:
    shipyards = sorted((reference_dir / "keptn-examples").glob("*shipyard*"))
    looser = {"onboarding-carts_shipyard-quality-gates.yaml"}  # a stage without `sequences`

    assert len(shipyards) >= 8
    for path in shipyards:
        text = path.read_text()
        if path.name in looser:
            assert (schema_accepts(validator, text), we_accept(text)) == (False, True), path.name
        else:
            assert schema_accepts(validator, text) is we_accept(text), path.name
