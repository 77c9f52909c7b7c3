"""The dependency rules of chalicelib (docs: /work/shared/DESIGN.md, PREAMBLE "Layers"), checked
on every import in the source: module-level, inside functions, under TYPE_CHECKING, relative,
and `importlib.import_module("...")` with a literal name.

    domain    <- engine <- services <- entrypoints
    adapters implement ports; only chalicelib/bootstrap/ picks them.

A new import that points outward fails here with its file and line. ALLOWED lists the known
exceptions (by file and imported module, so edits elsewhere in the file do not move them), each
with the reason it stands and what would remove it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"
LAYERS = ("domain", "engine", "services", "adapters", "entrypoints")
OUTSIDE = ("qm", "infra", "tests")

# (file, imported module) -> why it is allowed for now. Each is a debt: fix it, then delete it.
ALLOWED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    source: Path  # the importing file
    line: int
    target: str  # the module imported, absolute ("chalicelib.adapters.aws_clients")

    @property
    def file(self) -> str:
        return self.source.relative_to(ROOT).as_posix()

    def __str__(self) -> str:
        return f"{self.file}:{self.line} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(path: Path, level: int, module: str | None) -> str:
    """The absolute name of `from <.level><module> import ...` written in `path`."""
    if level == 0:
        return module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_of(path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):  # every scope: functions and TYPE_CHECKING blocks too
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(path, node.level, node.module)
            yield Import(path, node.lineno, base)
            if ROOT.joinpath(*base.split(".")).is_dir():  # `from chalicelib import adapters`
                for alias in node.names:
                    yield Import(path, node.lineno, f"{base}.{alias.name}")
        elif (
            isinstance(node, ast.Call)
            and _called(node) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield Import(path, node.lineno, node.args[0].value)


def _called(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def layer_of(name: str) -> str | None:
    """'domain', 'engine', ... for a chalicelib module; the module's own name for the
    top-level ones ('bootstrap', 'errors', 'ports', ...); None outside chalicelib."""
    parts = name.split(".")
    if parts[0] != "chalicelib" or len(parts) < 2:
        return None
    return parts[1]


def _is(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def broken_rule(found: Import) -> str | None:
    """Which rule `found` breaks, if any."""
    source = module_name(found.source)
    layer, target = layer_of(source), found.target
    if _is(target, *OUTSIDE):
        return "chalicelib never imports qm/, infra/ or tests/"
    if not _is(target, "chalicelib") or target == "chalicelib":
        return None
    target_layer = layer_of(target)
    if layer == "domain" and target_layer in (
        "engine",
        "services",
        "adapters",
        "entrypoints",
        "bootstrap",
    ):
        return "domain imports nothing from engine/services/adapters/entrypoints/bootstrap"
    if layer == "engine" and target_layer not in ("engine", "domain", "errors"):
        return "engine imports only domain (and errors)"
    if layer == "services" and target_layer in ("adapters", "entrypoints"):
        return "services import no adapters and no entrypoints"
    if layer == "adapters" and target_layer in ("services", "entrypoints"):
        return "adapters import no services and no entrypoints"
    if target_layer == "adapters" and layer not in ("adapters", "bootstrap"):
        return "only chalicelib/bootstrap/ imports adapters (besides adapters themselves)"
    return None


def all_imports() -> list[Import]:
    return [found for path in sorted(PACKAGE.rglob("*.py")) for found in imports_of(path)]


def violations() -> list[tuple[Import, str]]:
    """Every import that breaks a rule, with the rule."""
    return [(found, rule) for found in all_imports() if (rule := broken_rule(found))]


def test_no_import_points_outward() -> None:
    broken = [
        f"  {found}: {rule}"
        for found, rule in violations()
        if (found.file, found.target) not in ALLOWED
    ]
    assert not broken, "imports that break the layer rules:\n" + "\n".join(sorted(broken))


def test_every_allowance_is_still_needed() -> None:
    """An allowance whose import was fixed (or moved) must be deleted, not kept as a loophole."""
    stale = sorted(set(ALLOWED) - {(found.file, found.target) for found, _ in violations()})
    assert not stale, f"fixed or moved; remove from ALLOWED: {stale}"


def test_the_scan_sees_every_kind_of_import() -> None:
    """Without this, a scanner that found nothing would pass the rules above."""
    bootstrap = {found.target for found in imports_of(PACKAGE / "bootstrap" / "container.py")}
    assert "chalicelib.adapters.dynamodb_runs" in bootstrap  # inside a function
    assert "chalicelib.ports" in bootstrap  # under TYPE_CHECKING
    names = {found.target for found in all_imports()}
    assert {"chalicelib.domain.runs", "chalicelib.engine.asl", "chalicelib.errors"} <= names


@pytest.mark.parametrize(
    ("source", "code", "rule"),
    [
        ("domain/x.py", "from chalicelib.engine import asl", "domain imports nothing"),
        ("domain/x.py", "from ..services import intake", "domain imports nothing"),
        ("engine/x.py", "from chalicelib.ports import RunStore", "engine imports only"),
        ("engine/x.py", "import chalicelib.settings", "engine imports only"),
        ("services/x.py", "def f():\n    from chalicelib.adapters import aws_clients", "services"),
        ("services/x.py", "from chalicelib import entrypoints", "services"),
        ("adapters/x.py", "from chalicelib.services.sequencing import start", "adapters"),
        ("entrypoints/x.py", "from chalicelib.adapters.step_functions import X", "only chalic"),
        ("ports/x.py", "if TYPE_CHECKING:\n    from chalicelib.adapters import x", "only chalic"),
        (
            "services/x.py",
            "import importlib\nimportlib.import_module('infra.access')",
            "chalicelib never",
        ),
        ("lazy.py", "from qm.local import delivery", "chalicelib never imports"),
        ("entrypoints/x.py", "from tests.fakes import FakeBus", "chalicelib never imports"),
    ],
)
def test_each_rule_catches_an_outward_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, code: str, rule: str
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    path = tmp_path / "chalicelib" / source
    path.parent.mkdir(parents=True)
    path.write_text(code + "\n", encoding="utf-8")
    broken = [r for found in imports_of(path) if (r := broken_rule(found))]
    assert broken, f"{source}: {code!r} was not caught"
    assert broken[0].startswith(rule)


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("engine/x.py", "from chalicelib.domain.runs import Run\nfrom chalicelib.errors import E"),
        ("engine/lighthouse/x.py", "from ..asl import compile_project"),
        ("services/x.py", "from chalicelib.ports import RunStore\nimport pydantic"),
        ("adapters/x.py", "from chalicelib.adapters.aws_clients import AwsClients"),
        ("bootstrap/x.py", "from chalicelib.adapters.dynamodb_runs import DynamoDbRunStore"),
        ("entrypoints/x.py", "from chalicelib.bootstrap import sequencing_deps"),
    ],
)
def test_imports_that_point_inward_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, code: str
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    path = tmp_path / "chalicelib" / source
    path.parent.mkdir(parents=True)
    path.write_text(code + "\n", encoding="utf-8")
    assert [str(f) for f in imports_of(path) if broken_rule(f)] == []
