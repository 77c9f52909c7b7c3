"""The configuration diff between two versions of a scope's files, sized to ride in an event.

Given the files (uri -> content) as of two commits, lists each file that was added, removed or
changed, with a unified diff a person can read in a chat message. Events are limited to 256 KB
on the bus, so the listing is kept within a byte budget as it will be encoded in the event
(compact JSON, non-ASCII escaped): every changed file is listed first, then diff text is given
in uri order until the budget is spent; whatever is cut is flagged `truncated`. Binary content
(not UTF-8, or containing NUL) and very large files are reported as changed without text.
Reading the files is the caller's job.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

# Encoded size of the `files` list in the event: far below the bus's 256 KB per event.
DIFF_BUDGET_BYTES = 16 * 1024
# difflib is quadratic on unlucky inputs and the approval handler has 30 s: bigger files are
# reported as changed without text (resources may be up to 350 KB).
MAX_DIFF_INPUT_BYTES = 128 * 1024
CONTEXT_LINES = 3
NO_NEWLINE = "\\ No newline at end of file\n"
DIFF_KEY_BYTES = len(',"diff":""')  # what a diff adds to an entry besides its text


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class FileDiff:
    """One file that differs. `diff` is None when no text is shown (see the flags)."""

    uri: str
    change: Change
    diff: str | None = None
    binary: bool = False
    too_large: bool = False
    truncated: bool = False

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"uri": self.uri, "change": str(self.change)}
        if self.diff is not None:
            data["diff"] = self.diff
        if self.binary:
            data["binary"] = True
        if self.too_large:
            data["tooLarge"] = True
        if self.truncated:
            data["truncated"] = True
        return data


@dataclass(frozen=True)
class ConfigDiff:
    """What changed from `from_commit` (None: nothing deployed before) to `to_commit`."""

    from_commit: str | None
    to_commit: str
    files: tuple[FileDiff, ...]
    truncated: bool
    omitted_files: int = 0

    def to_data(self) -> dict[str, Any]:
        """The `configurationDiff` object of an event (camelCase, as Keptn's data fields)."""
        data: dict[str, Any] = {
            "fromCommit": self.from_commit,
            "toCommit": self.to_commit,
            "files": [file.to_data() for file in self.files],
            "truncated": self.truncated,
        }
        if self.omitted_files:
            data["omittedFiles"] = self.omitted_files
        return data


def diff_files(
    before: Mapping[str, bytes],
    after: Mapping[str, bytes],
    from_commit: str | None,
    to_commit: str,
    budget: int = DIFF_BUDGET_BYTES,
) -> ConfigDiff:
    """The files that differ between `before` and `after`, within `budget` encoded bytes."""
    changed = [
        _file_diff(uri, before.get(uri), after.get(uri))
        for uri in sorted(before.keys() | after.keys())
        if before.get(uri) != after.get(uri)
    ]
    # Listing every changed file matters more than showing text: reserve the entries first,
    # each with its cut flag, so cutting its text later cannot overrun the budget.
    listed: list[FileDiff] = []
    used = _encoded_size([])
    for entry in changed:
        reserved = replace(entry, diff=None, truncated=entry.diff is not None)
        cost = _encoded_size(reserved.to_data()) + 1  # the separating comma
        if used + cost > budget:
            break
        listed.append(entry)
        used += cost
    files: list[FileDiff] = []
    for entry in listed:
        if entry.diff is None:
            files.append(entry)
            continue
        bare = replace(entry, diff=None)
        shown, cut = _fit(entry.diff, budget - used - DIFF_KEY_BYTES)
        if shown is None:
            files.append(replace(bare, truncated=True))
            continue
        files.append(replace(bare, diff=shown, truncated=cut))
        used += DIFF_KEY_BYTES + _encoded_size(shown) - 2
    omitted = len(changed) - len(listed)
    return ConfigDiff(
        from_commit=from_commit,
        to_commit=to_commit,
        files=tuple(files),
        truncated=omitted > 0 or any(file.truncated for file in files),
        omitted_files=omitted,
    )


def unified_diff(uri: str, old: str | None, new: str | None) -> str:
    """A git-style unified diff of one text file; None stands for an absent file."""
    old_lines = old.splitlines(keepends=True) if old is not None else []
    new_lines = new.splitlines(keepends=True) if new is not None else []
    lines = difflib.unified_diff(
        old_lines,
        new_lines,
        fromfile=f"a/{uri}" if old is not None else "/dev/null",
        tofile=f"b/{uri}" if new is not None else "/dev/null",
        n=CONTEXT_LINES,
    )
    return "".join(_terminated(lines))


def _terminated(lines: Iterator[str]) -> Iterator[str]:
    # A last line without a newline is marked as git does, so it cannot run into the next one.
    for line in lines:
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n"
            yield NO_NEWLINE


def _file_diff(uri: str, old: bytes | None, new: bytes | None) -> FileDiff:
    change = Change.ADDED if old is None else Change.REMOVED if new is None else Change.CHANGED
    if any(len(content) > MAX_DIFF_INPUT_BYTES for content in (old, new) if content is not None):
        return FileDiff(uri, change, too_large=True)
    old_text, new_text = _text(old), _text(new)
    if (old is not None and old_text is None) or (new is not None and new_text is None):
        return FileDiff(uri, change, binary=True)
    text = unified_diff(uri, old_text, new_text)
    # Content that differs only in ways lines do not show still differs: list it, no text.
    return FileDiff(uri, change, diff=text or None)


def _text(content: bytes | None) -> str | None:
    if content is None or b"\x00" in content:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _fit(text: str, room: int) -> tuple[str | None, bool]:
    """The longest run of whole lines of `text` whose encoding fits in `room` bytes, and
    whether lines were cut; None when not even the first line fits."""
    if _encoded_size(text) - 2 <= room:
        return text, False
    kept: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        line_size = _encoded_size(line) - 2  # without the quotes
        if size + line_size > room:
            break
        kept.append(line)
        size += line_size
    return ("".join(kept), True) if kept else (None, True)


def _encoded_size(value: Any) -> int:
    # As the bus adapter and the event store encode events: compact, non-ASCII escaped.
    return len(json.dumps(value, separators=(",", ":")))
