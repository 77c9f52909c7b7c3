"""Size and contents of the Lambda deployment package (`out/deployment.zip`).

Packages the app first when the zip is absent (as `make package` does: offline, no
credentials), then prints its size zipped and unzipped against Lambda's limits, the largest
parts, and checks that it holds none of what must not ship: moto, the chalice CLI and its
dependencies, the qm CLI and its dependencies, boto3/botocore (the runtime provides them), and
no test code. Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out"
ZIP = OUT / "deployment.zip"
MIB = 1024 * 1024
# Lambda: 50 MB for a zip uploaded directly, 250 MB unzipped (including layers).
ZIPPED_LIMIT, UNZIPPED_LIMIT = 50 * MIB, 250 * MIB

# Top-level packages that must not be in the zip, and why.
FORBIDDEN = {
    "moto": "the AWS emulator: tests and the local runtime only",
    "click": "chalice CLI dependency",
    "inquirer": "chalice CLI dependency",
    "readchar": "chalice CLI dependency (via inquirer)",
    "blessed": "chalice CLI dependency (via inquirer)",
    "editor": "chalice CLI dependency (via inquirer)",
    "pip": "chalice CLI dependency",
    "setuptools": "chalice CLI dependency",
    "wheel": "chalice CLI dependency",
    "six": "chalice CLI dependency",
    # attrs ("attr") ships: aiohttp, which the kubernetes client (37.x) requires, imports it.
    "boto3": "provided by the Lambda runtime (requirements.txt leaves it out)",
    "botocore": "provided by the Lambda runtime (about 80 MB)",
    "typer": "qm CLI dependency",
    "rich": "qm CLI dependency",
    "pytest": "test runner",
    "_pytest": "test runner",
    "qm": "the client side: never shipped to Lambda",
    "infra": "deploy-time definitions",
    "bench": "benchmarks",
    "tests": "test code",
}
# Chalice ships its runtime module only (chalice/app.py); anything else is its CLI.
CHALICE_RUNTIME = {"chalice/__init__.py", "chalice/app.py", "chalice/app.pyi", "chalice/py.typed"}
TEST_CODE = re.compile(r"(^|/)(tests?/|test_[^/]*\.py$|[^/]*_test\.py$|conftest\.py$)")


def package() -> None:
    """`make package`, without make: the infra template merged into Chalice's output."""
    OUT.mkdir(exist_ok=True)
    python = Path(sys.executable)
    with (OUT / "infra.json").open("w") as infra:
        subprocess.run(
            [str(python), "-m", "infra.definition", "--stage", "prod", "--mode", "lambda"],
            cwd=ROOT,
            stdout=infra,
            check=True,
        )
    subprocess.run(
        [
            str(python.parent / "chalice"),
            "package",
            "--stage",
            "prod",
            "--merge-template",
            "out/infra.json",
            "out/",
        ],
        cwd=ROOT,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
        check=True,
    )


def top_level(name: str) -> str:
    return name.split("/", 1)[0]


def problems(names: list[str]) -> list[str]:
    found: list[str] = []
    tops = {top_level(name).removesuffix(".py") for name in names}
    for top, reason in sorted(FORBIDDEN.items()):
        if top in tops:
            found.append(f"{top}/ is in the package ({reason})")
    cli = sorted(
        name for name in names if name.startswith("chalice/") and name not in CHALICE_RUNTIME
    )
    if cli:
        found.append(f"chalice CLI files in the package: {', '.join(cli[:5])}")
    # Our own code only: a third-party wheel's bundled tests are its business.
    ours = [name for name in names if top_level(name) in {"app.py", "chalicelib"}]
    tests = [name for name in ours if TEST_CODE.search(name)]
    if tests:
        found.append(f"test code in the package: {', '.join(tests[:5])}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="package again even if present")
    arguments = parser.parse_args()
    if arguments.rebuild or not ZIP.exists():
        print("packaging: infra template + chalice package --stage prod ...", flush=True)
        package()
    with zipfile.ZipFile(ZIP) as archive:
        entries = [entry for entry in archive.infolist() if not entry.is_dir()]
    zipped = ZIP.stat().st_size
    unzipped = sum(entry.file_size for entry in entries)
    print(
        f"deployment package: {zipped / MIB:.1f} MiB zipped ({zipped / ZIPPED_LIMIT:.0%} of "
        f"Lambda's 50 MB), {unzipped / MIB:.1f} MiB unzipped ({unzipped / UNZIPPED_LIMIT:.0%} "
        f"of 250 MB), {len(entries)} files"
    )
    sizes: collections.Counter[str] = collections.Counter()
    for entry in entries:
        top = top_level(entry.filename)
        if ".dist-info" in top or ".data" in top:
            top = "(package metadata)"
        sizes[top] += entry.file_size
    print("largest parts (unzipped):")
    for top, size in sizes.most_common(8):
        print(f"  {size / MIB:6.2f} MiB  {top}")
    found = problems([entry.filename for entry in entries])
    for problem in found:
        print(f"FAIL: {problem}")
    if found:
        sys.exit(1)
    print("OK: no moto, no chalice or qm CLI dependencies, no boto3/botocore, no test code")


if __name__ == "__main__":
    main()
