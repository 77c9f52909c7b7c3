"""The Bridge's static files for the local runtime: `app/` served at `/bridge/`.

In AWS the same files are objects in a bucket behind the same API (infra/bridge.py), so the
Bridge and the API share one origin there too: the token needs no CORS and no cookie. Here they
are read from the working tree on each request (an edit shows on reload), compressed with gzip
when the browser accepts it, and revalidated with an ETag.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

APP_DIR = Path(__file__).resolve().parents[2] / "app"
PREFIX = "/bridge"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}
COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".svg", ".txt", ".md")
# What every Bridge answer carries: no framing by other sites, no sniffing, no referrer with the
# page's path (it holds project and context names). index.html adds its Content-Security-Policy.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class StaticAnswer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def is_bridge_path(raw_path: str) -> bool:
    path = urlparse(raw_path).path
    return path == PREFIX or path.startswith(PREFIX + "/")


def _not_found(path: str) -> StaticAnswer:
    body = f'{{"code": 404, "message": "no Bridge file at {path}"}}'.encode()
    return StaticAnswer(404, {"Content-Type": "application/json"}, body)


def _file_for(path: str, root: Path) -> Path | None:
    """The file a request path names, never one outside `root` (no `..`, no symlink out)."""
    relative = unquote(path[len(PREFIX) :]).lstrip("/") or "index.html"
    if relative.endswith("/"):
        relative += "index.html"
    if "\x00" in relative or "\\" in relative:
        return None
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


def answer(raw_path: str, headers: dict[str, str], root: Path = APP_DIR) -> StaticAnswer:
    """What a GET or HEAD of `raw_path` (under /bridge) answers."""
    path = urlparse(raw_path).path
    if path == PREFIX:
        return StaticAnswer(301, {"Location": PREFIX + "/", **SECURITY_HEADERS})
    found = _file_for(path, root)
    if found is None:
        return _not_found(path)
    content = found.read_bytes()
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    lowered = {name.lower(): value for name, value in headers.items()}
    common = {
        **SECURITY_HEADERS,
        "ETag": etag,
        # Revalidated each time (a cheap 304): a changed file is never served stale.
        "Cache-Control": "no-cache",
        "Vary": "Accept-Encoding",
    }
    if lowered.get("if-none-match") == etag:
        return StaticAnswer(304, common)
    kind = CONTENT_TYPES.get(found.suffix, "application/octet-stream")
    common["Content-Type"] = kind
    if found.suffix in COMPRESSIBLE and "gzip" in lowered.get("accept-encoding", ""):
        return StaticAnswer(200, {**common, "Content-Encoding": "gzip"}, gzip.compress(content, 6))
    return StaticAnswer(200, common, content)
