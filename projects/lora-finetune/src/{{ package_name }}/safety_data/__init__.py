"""The safety checks' data: the shipped toxicity prompts, bias pairs and lexicon, or yours."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import ConfigError


def read_set(name: str, path: Path | None = None, setting: str = "") -> str:
    """The shipped file `name`, or the file at `path` that the config `setting` names."""
    if path is None:
        return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{setting} {path}: cannot read it: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{setting} {path}: not UTF-8 text; save it as UTF-8") from None
