"""Cold-start import cost of the Lambda code, as a ratio to a bare `import boto3` (target <= 1.5).

Builds (once, cached in .bench/) a virtual environment holding only requirements.txt plus boto3,
which the Lambda runtime provides, then stages what `chalice package` ships: app.py,
chalicelib/ and Chalice's runtime module. Each measurement is a fresh interpreter; the two
imports alternate so machine noise hits both alike. Prints medians, the ratio, and the size of
the staged package.
"""

from __future__ import annotations

import hashlib
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
RUNS = 15
TARGET = 1.5
BOTO3 = "boto3==1.44.5"  # what requirements-dev.txt pins; the Lambda runtime brings its own

TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def venv_python() -> Path:
    requirements = (ROOT / "requirements.txt").read_bytes()
    key = hashlib.sha256(requirements + BOTO3.encode()).hexdigest()[:12]
    venv = CACHE / f"venv-{key}"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"building {venv} (requirements.txt + {BOTO3}) ...", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                str(ROOT / "requirements.txt"),
                BOTO3,
            ],
            check=True,
        )
    return python


def stage_package() -> Path:
    """What Chalice ships: app.py, chalicelib/, and its own runtime (chalice/app.py)."""
    import chalice

    staged = CACHE / "package"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    shutil.copy(ROOT / "app.py", staged / "app.py")
    shutil.copytree(
        ROOT / "chalicelib", staged / "chalicelib", ignore=shutil.ignore_patterns("__pycache__")
    )
    runtime = staged / "chalice"
    runtime.mkdir()
    source = Path(chalice.__file__).parent
    shutil.copy(source / "app.py", runtime / "app.py")
    (runtime / "__init__.py").write_text(
        "from chalice.app import *  # noqa: F403\n"
        "from chalice.app import __version__  # noqa: F401\n"
    )
    return staged


def measure(python: Path, staged: Path, module: str) -> float:
    output = subprocess.run(
        [str(python), "-c", TIMER.format(module=module)],
        cwd=staged,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return float(output.stdout.strip())


def size_of(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def main() -> None:
    python = venv_python()
    staged = stage_package()
    # Warm the bytecode caches once so every run measures a warm disk, as Lambda's is.
    measure(python, staged, "app")
    app_times, boto_times = [], []
    for _ in range(RUNS):
        app_times.append(measure(python, staged, "app"))
        boto_times.append(measure(python, staged, "boto3"))
    app_median, boto_median = statistics.median(app_times), statistics.median(boto_times)
    ratio = app_median / boto_median
    print(f"import app    median {app_median * 1000:7.1f} ms over {RUNS} runs")
    print(f"import boto3  median {boto_median * 1000:7.1f} ms over {RUNS} runs")
    verdict = "OK" if ratio <= TARGET else "OVER"
    print(f"ratio app/boto3: {ratio:.2f} (target <= {TARGET}) -> {verdict}")
    print(
        f"code shipped besides requirements: {size_of(staged) / 1024:.0f} KiB (app.py, chalicelib, "
        "chalice runtime)"
    )


if __name__ == "__main__":
    main()
