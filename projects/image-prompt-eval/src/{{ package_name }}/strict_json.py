"""A strict JSON reader for request bodies: what `json.loads` lets through quietly is refused.

Python's `json` accepts `NaN`, `Infinity` and `-Infinity`, turns `1e400` into an
infinite float, keeps the last of two equal keys, and can hand back strings that
cannot be encoded again (a lone surrogate escape such as backslash-u-D800). Each
would reach the app as a value nobody sent on purpose, or fail later while an
error is written.
"""

from __future__ import annotations

import json
import math
from typing import Any


class StrictJSONError(ValueError):
    """A body that is not plain, unambiguous JSON; `str(error)` says what is wrong."""


def loads_strict(body: bytes) -> Any:
    """Parse `body` as UTF-8 JSON, refusing non-finite numbers, duplicate keys and bad text."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StrictJSONError("the body is not UTF-8") from exc
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except StrictJSONError:
        raise
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"the body is not JSON: {exc.msg} at character {exc.pos}") from exc
    except (ValueError, RecursionError) as exc:
        # An integer past Python's digit limit, or nesting past the recursion limit.
        raise StrictJSONError("the body is not JSON this app can read") from exc
    _refuse_unencodable(value)
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise StrictJSONError(f"the key {json.dumps(key)[:40]} appears twice")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise StrictJSONError(f"{text[:40]} is out of range")
    return number


def _refuse_unencodable(value: Any) -> None:
    """Walk the parsed value (without recursion) and refuse strings UTF-8 cannot encode."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise StrictJSONError("the body holds a lone surrogate (\\ud800-\\udfff)") from exc
