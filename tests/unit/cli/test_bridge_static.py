"""The Bridge's files in the local runtime: none outside app/, compressed, revalidated."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from qm.local.static import answer, is_bridge_path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    (app / "js").mkdir(parents=True)
    (app / "index.html").write_text("<!doctype html><title>Bridge</title>")
    (app / "js" / "main.js").write_text("export const x = 1;\n" * 50)
    (tmp_path / "secret.txt").write_text("outside")
    return app


def test_the_page_is_under_bridge_and_bridge_redirects_to_it(root: Path) -> None:
    assert is_bridge_path("/bridge")
    assert is_bridge_path("/bridge/js/main.js?v=1")
    assert not is_bridge_path("/bridges")
    assert not is_bridge_path("/v1/project")
    moved = answer("/bridge", {}, root)
    assert (moved.status, moved.headers["Location"]) == (301, "/bridge/")
    page = answer("/bridge/", {}, root)
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.body.startswith(b"<!doctype html>")
    assert page.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "path",
    ["/bridge/../secret.txt", "/bridge/%2e%2e/secret.txt", "/bridge/js/..%2f..%2fsecret.txt"],
)
def test_nothing_outside_the_app_directory_is_served(root: Path, path: str) -> None:
    refused = answer(path, {}, root)
    assert refused.status == 404
    assert b"outside" not in refused.body


def test_compressed_when_accepted_and_not_sent_again_when_unchanged(root: Path) -> None:
    plain = answer("/bridge/js/main.js", {}, root)
    assert "Content-Encoding" not in plain.headers
    packed = answer("/bridge/js/main.js", {"Accept-Encoding": "gzip, br"}, root)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    assert len(packed.body) < len(plain.body)
    again = answer("/bridge/js/main.js", {"If-None-Match": plain.headers["ETag"]}, root)
    assert (again.status, again.body) == (304, b"")
