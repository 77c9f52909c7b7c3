"""Where the CLI keeps its endpoint and token: QM_ENDPOINT/QM_TOKEN, else `qm auth`'s file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel


class CliConfig(BaseModel):
    endpoint: str | None = None
    token: str | None = None


def home() -> Path:
    """QM_HOME, or ~/.qm: the CLI's files and the local runtime's state."""
    return Path(os.environ.get("QM_HOME") or Path.home() / ".qm")


def config_file() -> Path:
    return home() / "config.json"


def load() -> CliConfig:
    stored = CliConfig()
    path = config_file()
    if path.is_file():
        stored = CliConfig.model_validate_json(path.read_text())
    return CliConfig(
        endpoint=os.environ.get("QM_ENDPOINT") or stored.endpoint,
        token=os.environ.get("QM_TOKEN") or stored.token,
    )


def save(config: CliConfig) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config.model_dump(), indent=2))
    path.chmod(0o600)  # it holds a token
    return path
