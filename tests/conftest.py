"""Shared test fixtures: where Keptn's reference files live, and a skip when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Keptn's reference files from ../shared; CI always has them, a user's clone may not."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"Keptn reference files not found at {SHARED_REFERENCE} (../shared is absent)")
    return SHARED_REFERENCE
