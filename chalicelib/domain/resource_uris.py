"""The one canonical form of a configuration resource's URI (its path inside a scope).

Keptn kept resources as files in git, so a URI is a relative POSIX path and file names are
case-sensitive. Every way of writing the same file must end up as the same stored name, and
anything that could be stored under a look-alike name (a NUL suffix that skips validation, a
backslash, a dot segment, a second layer of percent-encoding) is refused rather than guessed at.
See docs/configuration-files.md, "Resource URIs".
"""

from __future__ import annotations

import re
import unicodedata
from typing import NoReturn
from urllib.parse import unquote_to_bytes

from chalicelib.errors import InvalidInput

# File names Quartermaster reads (wherever they sit, e.g. prometheus/sli.yaml); they are
# validated on upload, and a name differing from one of them only in case is refused.
KNOWN_FILE_NAMES = frozenset(
    {
        "shipyard.yaml",
        "slo.yaml",
        "sli.yaml",
        "remediation.yaml",
        "webhook.yaml",
        "uniform.yaml",
        "target.yaml",
    }
)
# The project's shipyard: written only by project create / update (PUT /v1/project).
SHIPYARD_URI = "shipyard.yaml"
# A project's uniform: this file at project level (applied whenever it changes).
UNIFORM_URI = "uniform.yaml"

# DynamoDB sort keys hold at most 1024 bytes; the URI shares one with its scope and version.
MAX_URI_BYTES = 512
# Control characters (NUL, the key separator U+001F, DEL, C1), invisible format characters
# (zero-width space, bidi overrides, BOM), lone surrogates and line/paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# A percent-escape left after decoding once that would decode to '/', '\', '.' or a control
# character: the URI was encoded twice (..%252F..%252Fx) to slip past the checks below.
_SECOND_ESCAPE = re.compile(r"%(2[EeFf]|5[Cc]|[01][0-9A-Fa-f]|7[Ff])")


def canonical_uri(raw: str) -> str:
    """`raw` decoded once and in its one stored form, or InvalidInput naming the rule it breaks.

    Leading and repeated slashes are dropped (`/a//b` is `a/b`); everything else that is not
    already canonical is refused.
    """
    try:
        decoded = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        _refuse(raw, "its percent-escapes must encode UTF-8 text")
    if _SECOND_ESCAPE.search(decoded):
        _refuse(
            raw,
            "after decoding once it still holds a percent-escape of '/', '\\', '.' or a control "
            "character; encode the URI once only (prometheus%2Fsli.yaml)",
        )
    for char in decoded:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            _refuse(raw, f"control and invisible characters (U+{ord(char):04X}) are not allowed")
    if "\\" in decoded:
        _refuse(raw, "'\\' is not a path separator; separate folders with '/'")
    if decoded.endswith("/"):
        _refuse(raw, "it must name a file, not end with '/'")
    segments = [segment for segment in decoded.split("/") if segment]
    if not segments:
        _refuse(raw, "it must not be empty")
    for segment in segments:
        if segment in (".", ".."):
            _refuse(raw, "'.' and '..' segments are not allowed; give the path from the scope")
        if segment != segment.strip():
            _refuse(raw, "a file or folder name must not start or end with a space")
    name = segments[-1]
    if name not in KNOWN_FILE_NAMES and name.lower() in KNOWN_FILE_NAMES:
        _refuse(
            raw,
            f"file names are case-sensitive and Quartermaster reads '{name.lower()}', "
            f"not '{name}'; rename the file",
        )
    uri = "/".join(segments)
    if len(uri.encode("utf-8")) > MAX_URI_BYTES:
        _refuse(raw, f"it must be at most {MAX_URI_BYTES} bytes long")
    return uri


def _refuse(raw: str, rule: str) -> NoReturn:
    raise InvalidInput(f"resourceURI '{shown(raw)}' is refused: {rule}")


def shown(raw: str) -> str:
    """`raw` printable on one line: unprintable characters as \\uXXXX, long URIs shortened."""
    text = "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in raw)
    return text if len(text) <= 120 else text[:120] + "..."
