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


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver's receivers listen on 127.0.0.1: the webhook guard always refuses
    `localhost`, and tests open 127.0.0.1 only through the explicit allow setting."""
    return ("127.0.0.1", 0)
