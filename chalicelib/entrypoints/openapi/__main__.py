"""`python -m chalicelib.entrypoints.openapi [--write | --check] [PATH]`: print the
description, write it to PATH (docs/openapi.json), or say whether PATH is current."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chalicelib.entrypoints.openapi import document_text

DEFAULT_PATH = Path("docs/openapi.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="write the description to PATH")
    action.add_argument("--check", action="store_true", help="exit 1 when PATH is out of date")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    arguments = parser.parse_args(argv)
    text = document_text()
    if arguments.write:
        arguments.path.write_text(text)
        print(f"wrote {arguments.path}")
        return 0
    if arguments.check:
        current = arguments.path.is_file() and arguments.path.read_text() == text
        if not current:
            print(
                f"{arguments.path} is out of date; run "
                "python -m chalicelib.entrypoints.openapi --write",
                file=sys.stderr,
            )
        return 0 if current else 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
