"""Map a key path in a YAML document back to its line and column, for error messages."""

from __future__ import annotations

from collections.abc import Sequence

import yaml


def locate(text: str, path: Sequence[str | int]) -> tuple[int, int] | None:
    """The 1-based (line, column) of the deepest node of `path` found in `text`.

    Validation errors come with a key path (`series.factors.style`); users need the
    line. The walk stops at the last node that exists, so a missing key points at its
    parent mapping.
    """
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    found = node
    for key in path:
        child = None
        if isinstance(found, yaml.MappingNode):
            for key_node, value_node in found.value:
                if str(key_node.value) == str(key):
                    child = value_node
                    break
        elif (
            isinstance(found, yaml.SequenceNode)
            and isinstance(key, int)
            and 0 <= key < len(found.value)
        ):
            child = found.value[key]
        if child is None:
            break
        found = child
    return found.start_mark.line + 1, found.start_mark.column + 1


def dotted(path: Sequence[str | int]) -> str:
    """`('series', 'templates', 1)` -> `series.templates[1]`."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def describe(source: str, text: str, path: Sequence[str | int]) -> str:
    """`study.yaml:12:5 (series.templates[1])`: where a problem is, for a person."""
    position = locate(text, path)
    where = f"{source}:{position[0]}:{position[1]}" if position else source
    return f"{where} ({dotted(path)})" if path else where
