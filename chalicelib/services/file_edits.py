"""Edits of a configuration file: read it, change it, write it back with the version read.

When another commit changes the file in between, the store refuses the write
(ResourceChanged) and the edit runs again on the file as it is now: an edit is a function of
the file, so concurrent edits all land, as if they had come one after the other. A file that
keeps changing under the edit ends it with a 409 that says to try again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.errors import Conflict, ResourceChanged

EDIT_ATTEMPTS = 5

T = TypeVar("T")


def edit_until_written(edit: Callable[[], T]) -> T:
    """Run `edit` (which reads the file and writes it with the version it read) until its
    write is not refused, at most EDIT_ATTEMPTS times."""
    for _ in range(EDIT_ATTEMPTS):
        try:
            return edit()
        except ResourceChanged as error:
            overtaken = error  # another commit came first: read the file again and redo the edit
    raise Conflict(
        f"{overtaken.uri} of {overtaken.where} changed concurrently: other changes were "
        f"committed while this one was made, {EDIT_ATTEMPTS} times in a row; nothing was "
        "written, try again"
    ) from overtaken
