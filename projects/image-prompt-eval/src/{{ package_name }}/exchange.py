"""The exchange formats: Likert and pairwise ratings as CSV (or JSONL), read strictly.

Likert:   rater_id,item_id,criterion,score[,response_ms]             (score an integer)
Pairwise: rater_id,prompt_id,system_a,system_b,winner[,response_ms]  (winner: a, b or tie)

`response_ms` (how long the rater took for the screen) is optional; the analysis uses
it to find speeders. Files from other tools are welcome; a malformed one fails with the
row and column.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .errors import DataError

LIKERT_COLUMNS = ["rater_id", "item_id", "criterion", "score", "response_ms"]
PAIRWISE_COLUMNS = ["rater_id", "prompt_id", "system_a", "system_b", "winner", "response_ms"]
LIKERT_REQUIRED = LIKERT_COLUMNS[:4]
PAIRWISE_REQUIRED = PAIRWISE_COLUMNS[:5]
ITEM_COLUMNS = ["item_id", "prompt_id", "seed", "system"]
ATTENTION_COLUMNS = ["rater_id", "check", "item_id", "passed"]
WINNERS = ("a", "b", "tie")
# Whitespace other than line breaks: where there is none, no field needs stripping.
_WHITESPACE = re.compile(r"[^\S\r\n]")
_Record = TypeVar("_Record", bound=tuple[Any, ...])
ASCII_SPACES = tuple(chr(c) for c in range(128) if chr(c).isspace() and chr(c) not in "\r\n")
# Far beyond any real screen (a day), so a corrupt value cannot overflow the statistics.
MAX_RESPONSE_MS = 86_400_000


class LikertRating(NamedTuple):
    """One score one rater gave one image on one criterion.

    A named tuple rather than a dataclass: a study of 100,000 ratings builds 100,000 of
    them, and tuples are several times cheaper to create.
    """

    rater_id: str
    item_id: str
    criterion: str
    score: int
    response_ms: int | None = None


class PairVote(NamedTuple):
    """One rater's verdict on two systems' images of one prompt."""

    rater_id: str
    prompt_id: str
    system_a: str
    system_b: str
    winner: str
    response_ms: int | None = None


@dataclass(frozen=True)
class Item:
    """What an item id stands for: a system's image of a prompt, with the prompt's levels."""

    item_id: str
    prompt_id: str
    system: str
    levels: dict[str, str]


@dataclass(frozen=True)
class AttentionResult:
    """The outcome of one attention check (a gold item or a repeated item)."""

    rater_id: str
    check: str
    item_id: str
    passed: bool


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text") from exc


def _jsonl(path: Path, text: str, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: row {line}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise DataError(f"{path}: row {line}: expected a JSON object")
        for column in required:
            if column not in record:
                raise DataError(f"{path}: row {line}, column {column}: missing")
        yield line, {k: "" if v is None else str(v).strip() for k, v in record.items()}


def _csv(path: Path, text: str, required: list[str]) -> tuple[list[str], Iterator[list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader, [])]
    if missing := [column for column in required if column not in header]:
        raise DataError(
            f"{path}: row 1 (header): missing column(s) {', '.join(missing)}; "
            f"expected {','.join(required)}"
        )
    return header, reader


def _columns(
    path: Path, required: list[str], optional: tuple[str, ...] = ()
) -> tuple[list[int], list[list[str]]]:
    """Line numbers and stripped values of the `required` then `optional` columns.

    Column lists rather than row dicts: each check below is one pass over a column, so
    100,000 rows read in a fraction of a second. A missing optional column reads as "".
    """
    text = _read(path)
    wanted = [*required, *optional]
    if path.suffix == ".jsonl":
        records = list(_jsonl(path, text, required))
        lines = [line for line, _ in records]
        return lines, [[record.get(c, "") for _, record in records] for c in wanted]
    header, reader = _csv(path, text, required)
    if '"' in text or "\r" in text:
        lines, columns = _quoted_columns(path, reader, len(header))
    else:
        lines, columns = _plain_columns(path, text, len(header))
    # str.strip only where some field has whitespace other than line breaks.
    padded = _has_whitespace(text)
    empty = [""] * len(lines)
    return lines, [
        (
            ([v.strip() for v in columns[header.index(c)]] if padded else columns[header.index(c)])
            if c in header
            else empty
        )
        for c in wanted
    ]


def _has_whitespace(text: str) -> bool:
    """Whether the text has whitespace other than line breaks (then fields need stripping).

    Plain ASCII, the usual case, is checked with a few substring scans in C, many times
    faster than a regular expression over megabytes.
    """
    if text.isascii():
        return any(space in text for space in ASCII_SPACES)
    return _WHITESPACE.search(text) is not None


def _quoted_columns(
    path: Path, reader: Iterator[list[str]], width: int
) -> tuple[list[int], list[list[str]]]:
    """Columns by the csv module, which understands quotes and every kind of line break."""
    rows = list(reader)
    lines = list(range(2, len(rows) + 2))
    if not all(rows):  # blank lines: skip them, keep the others' line numbers
        lines = [line for line, row in zip(lines, rows, strict=True) if row]
        rows = [row for row in rows if row]
    if any(len(row) != width for row in rows):
        line = next(n for n, row in zip(lines, rows, strict=True) if len(row) != width)
        raise DataError(f"{path}: row {line}: expected {width} fields")
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else []
    return lines, columns or [[] for _ in range(width)]


def _plain_columns(path: Path, text: str, width: int) -> tuple[list[int], list[list[str]]]:
    """Columns of a file without quotes or carriage returns, split by str.split in C.

    Without quotes a comma always separates fields and a line feed always ends a row, so this
    gives exactly what the csv module gives, three times faster: the whole body is
    split into fields at once and column k is every width-th field from k.
    """
    rows = text.split("\n")[1:]
    lines = list(range(2, len(rows) + 2))
    if not all(rows):  # blank lines (and the final newline): skip, keep line numbers
        lines = [line for line, row in zip(lines, rows, strict=True) if row]
        rows = [row for row in rows if row]
    commas = list(map(str.count, rows, itertools.repeat(",")))
    if set(commas) - {width - 1}:
        line = next(n for n, count in zip(lines, commas, strict=True) if count != width - 1)
        raise DataError(f"{path}: row {line}: expected {width} fields")
    fields = ",".join(rows).split(",") if rows else []
    return lines, [fields[k::width] for k in range(width)]


def _check_filled(path: Path, lines: list[int], names: list[str], columns: list[list[str]]) -> None:
    for name, values in zip(names, columns, strict=False):
        if "" in values:
            raise DataError(f"{path}: row {lines[values.index('')]}, column {name}: empty")


def _integers(path: Path, lines: list[int], name: str, values: list[str]) -> list[int]:
    try:
        return list(map(int, values))
    except ValueError:
        for line, value in zip(lines, values, strict=True):
            try:
                int(value)
            except ValueError:
                raise DataError(
                    f"{path}: row {line}, column {name}: '{value}' is not an integer"
                ) from None
        raise


def _response_times(path: Path, lines: list[int], values: list[str]) -> list[int | None]:
    if not any(values):
        return [None] * len(values)
    complete = all(values)
    filled = values if complete else [value or "0" for value in values]
    numbers = _integers(path, lines, "response_ms", filled)
    if min(numbers) < 0 or max(numbers) > MAX_RESPONSE_MS:  # min and max run in C
        line, number = next(
            (line, n)
            for line, n in zip(lines, numbers, strict=True)
            if not 0 <= n <= MAX_RESPONSE_MS
        )
        raise DataError(
            f"{path}: row {line}, column response_ms: {number} is outside 0-{MAX_RESPONSE_MS}"
        )
    if complete:
        return list(numbers)
    return [number if value else None for number, value in zip(numbers, values, strict=True)]


def _records(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, every column by name): for the small files whose extra columns count."""
    text = _read(path)
    if path.suffix == ".jsonl":
        yield from _jsonl(path, text, required)
        return
    header, reader = _csv(path, text, required)
    for line, fields in enumerate(reader, start=2):
        if len(fields) != len(header):
            if not fields:
                continue
            raise DataError(f"{path}: row {line}: expected {len(header)} fields")
        yield line, {column: value.strip() for column, value in zip(header, fields, strict=True)}


def _text(path: Path, line: int, row: dict[str, str], column: str) -> str:
    value = row[column]
    if not value:
        raise DataError(f"{path}: row {line}, column {column}: empty")
    return value


def read_likert(path: Path) -> list[LikertRating]:
    lines, columns = _columns(path, LIKERT_REQUIRED, ("response_ms",))
    rater, item, criterion, raw_score, raw_ms = columns
    _check_filled(path, lines, LIKERT_REQUIRED, columns)
    scores = _integers(path, lines, "score", raw_score)
    if len(set(zip(rater, item, criterion, strict=True))) != len(rater):
        first_seen: dict[tuple[str, str, str], int] = {}
        for line, key in zip(lines, zip(rater, item, criterion, strict=True), strict=True):
            if key in first_seen:
                raise DataError(
                    f"{path}: row {line}: rater {key[0]} rated item {key[1]} on {key[2]} twice "
                    f"(first at row {first_seen[key]})"
                )
            first_seen[key] = line
    if not rater:
        raise DataError(f"{path}: no ratings")
    response_ms = _response_times(path, lines, raw_ms)
    return list(
        map(_new(LikertRating), zip(rater, item, criterion, scores, response_ms, strict=True))
    )


def read_pairwise(path: Path) -> list[PairVote]:
    lines, columns = _columns(path, PAIRWISE_REQUIRED, ("response_ms",))
    rater, prompt, system_a, system_b, raw_winner, raw_ms = columns
    _check_filled(path, lines, PAIRWISE_REQUIRED, columns)
    winners = [value.lower() for value in raw_winner]
    for line, winner, raw, a, b in zip(lines, winners, raw_winner, system_a, system_b, strict=True):
        if winner not in WINNERS:
            raise DataError(f"{path}: row {line}, column winner: '{raw}' is not a, b or tie")
        if a == b:
            raise DataError(f"{path}: row {line}, column system_b: same system as system_a")
    if not winners:
        raise DataError(f"{path}: no pairwise votes")
    response_ms = _response_times(path, lines, raw_ms)
    rows = zip(rater, prompt, system_a, system_b, winners, response_ms, strict=True)
    return list(map(_new(PairVote), rows))


def _new(record: type[_Record]) -> Callable[[Iterable[Any]], _Record]:
    """A named tuple's constructor from a full row, without the Python-level __new__.

    tuple.__new__ runs in C: building 100,000 ratings takes a third of the time.
    """
    return functools.partial(tuple.__new__, record)


def read_items(path: Path) -> dict[str, Item]:
    items = {}
    for line, row in _records(path, ITEM_COLUMNS):
        item_id = _text(path, line, row, "item_id")
        levels = {key: value for key, value in row.items() if key not in ITEM_COLUMNS and value}
        items[item_id] = Item(
            item_id, _text(path, line, row, "prompt_id"), _text(path, line, row, "system"), levels
        )
    return items


def read_attention(path: Path) -> list[AttentionResult]:
    results = []
    for line, row in _records(path, ATTENTION_COLUMNS):
        passed = row["passed"].lower()
        if passed not in ("true", "false", "1", "0"):
            raise DataError(
                f"{path}: row {line}, column passed: '{row['passed']}' is not true or false"
            )
        results.append(
            AttentionResult(
                _text(path, line, row, "rater_id"),
                _text(path, line, row, "check"),
                _text(path, line, row, "item_id"),
                passed in ("true", "1"),
            )
        )
    return results


def items_from_ids(item_ids: set[str]) -> dict[str, Item]:
    """Items named `<prompt>@<system>` (this project's ids) when no items file is given."""
    items = {}
    for item_id in item_ids:
        prompt, at, system = item_id.rpartition("@")
        if at:
            items[item_id] = Item(item_id, prompt, system, {})
    return items


def write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def as_rows(records: list[Any]) -> list[dict[str, Any]]:
    """Dataclasses and named tuples as dicts, for `write_csv`."""
    return [
        record._asdict() if hasattr(record, "_asdict") else asdict(record) for record in records
    ]
