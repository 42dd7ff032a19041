"""Catch misspelt setting names and TOML syntax errors before pydantic ignores or buries them.

pydantic-settings silently drops keys it does not know, so `top_kk = 8` in rag.toml or
`RAG_LLM__PROVDER=openai` would leave the default in force without a word. These checks
walk the settings model itself, so a setting added to it is known here at once.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import ConfigError

# Python < 3.14 gives the position only inside the message: "Invalid value (at line 3, column 9)".
_TOML_POSITION = re.compile(r"^(?P<reason>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error becomes `path:line:col: reason`, one line."""
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}:{toml_error_position(error)}") from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None


def toml_error_position(error: tomllib.TOMLDecodeError) -> str:
    """`line:col: reason` from a TOMLDecodeError, on every Python version."""
    line, col = getattr(error, "lineno", None), getattr(error, "colno", None)
    reason = str(getattr(error, "msg", "") or error)
    match = _TOML_POSITION.match(str(error))
    if match:
        reason = match["reason"]
        line, col = line or int(match["line"]), col or int(match["col"])
    position = f"{line}:{col}: " if line else " "
    return f"{position}invalid TOML: {reason}"


def _children(model: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    """Settable field names of a model, mapped to their nested model (None for a value)."""
    names: dict[str, type[BaseModel] | None] = {}
    for name, info in model.model_fields.items():
        if info.validation_alias is not None:  # read from a fixed variable, e.g. OPENAI_API_KEY
            continue
        kind = info.annotation
        names[name] = kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None
    return names


def _all_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, nested in _children(model).items():
        paths.append((*prefix, name))
        if nested is not None:
            paths.extend(_all_paths(nested, (*prefix, name)))
    return paths


def _unknown(model: type[BaseModel], path: tuple[str, ...]) -> int | None:
    """The index of the first part of `path` that the model does not have, or None."""
    current: type[BaseModel] | None = model
    for depth, part in enumerate(path):
        if current is None:
            return depth
        children = _children(current)
        if part not in children:
            return depth
        current = children[part]
    return None


def _closest(wrong: tuple[str, ...], model: type[BaseModel]) -> tuple[str, ...] | None:
    candidates = {".".join(path): path for path in _all_paths(model) if len(path) == len(wrong)}
    found = difflib.get_close_matches(".".join(wrong), list(candidates), n=1, cutoff=0.6)
    return candidates[found[0]] if found else None


def _toml_paths(
    data: Mapping[str, Any], model: type[BaseModel]
) -> Iterable[tuple[tuple[str, ...], bool]]:
    """Every key path in parsed TOML, and whether it names a table.

    Only tables the model nests are descended into: `[retreival]` is one unknown table.
    """
    for key, value in data.items():
        nested = _children(model).get(key)
        if isinstance(value, Mapping) and nested is not None:
            yield from (((key, *rest), table) for rest, table in _toml_paths(value, nested))
        else:
            yield (key,), isinstance(value, Mapping)


def check_toml_keys(data: Mapping[str, Any], model: type[BaseModel], source: Path) -> None:
    """Reject the first unknown key of a config file, naming the closest valid one."""
    for path, table in _toml_paths(data, model):
        depth = _unknown(model, path)
        if depth is None:
            continue
        wrong = path[: depth + 1]
        hint = _closest(wrong, model)
        kind = "table" if table else "key"
        suggestion = f"; did you mean '{'.'.join(hint)}'?" if hint else ""
        raise ConfigError(f"{source}: unknown {kind} '{'.'.join(wrong)}'{suggestion}")


def check_variable_names(
    names: Iterable[str], model: type[BaseModel], prefix: str, delimiter: str, origin: str
) -> None:
    """Reject the first `prefix`-named variable that matches no setting, with the closest one."""
    for name in sorted(names):
        if not name.upper().startswith(prefix) or name.upper() == prefix:
            continue
        path = tuple(name[len(prefix) :].lower().split(delimiter))
        if _unknown(model, path) is None:
            continue
        hint = _closest(path, model)
        suggestion = f"; did you mean {prefix}{delimiter.join(hint).upper()}?" if hint else ""
        raise ConfigError(f"unknown setting {name} in {origin}{suggestion}")
