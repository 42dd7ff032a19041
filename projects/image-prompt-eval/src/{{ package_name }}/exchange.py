"""The exchange formats: Likert and pairwise ratings as CSV (or JSONL), read strictly.

Likert:   rater_id,item_id,criterion,score[,response_ms]             (score an integer)
Pairwise: rater_id,prompt_id,system_a,system_b,winner[,response_ms]  (winner: a, b or tie)

`response_ms` (how long the rater took for the screen) is optional; the analysis uses
it to find speeders. Files from other tools are welcome; a malformed one fails with the
row and column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .errors import DataError

LIKERT_COLUMNS = ["rater_id", "item_id", "criterion", "score", "response_ms"]
PAIRWISE_COLUMNS = ["rater_id", "prompt_id", "system_a", "system_b", "winner", "response_ms"]
LIKERT_REQUIRED = LIKERT_COLUMNS[:4]
PAIRWISE_REQUIRED = PAIRWISE_COLUMNS[:5]
ITEM_COLUMNS = ["item_id", "prompt_id", "seed", "system"]
ATTENTION_COLUMNS = ["rater_id", "check", "item_id", "passed"]
WINNERS = ("a", "b", "tie")
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


def _rows(
    path: Path, required: list[str], optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, list[str]]]:
    """(line number, values of the `required` then the `optional` columns), stripped.

    Values come as lists in a fixed order, not dicts: a 100,000-row file reads in a
    fraction of a second. A missing optional column reads as "".
    """
    text = _read(path)
    wanted = [*required, *optional]
    if path.suffix == ".jsonl":
        for line, record in _jsonl(path, text, required):
            yield line, [record.get(column, "") for column in wanted]
        return
    header, reader = _csv(path, text, required)
    width = len(header)
    positions = [header.index(column) if column in header else -1 for column in wanted]
    for line, fields in enumerate(reader, start=2):
        if len(fields) != width:
            if not fields:
                continue
            raise DataError(f"{path}: row {line}: expected {width} fields")
        yield line, [fields[i].strip() if i >= 0 else "" for i in positions]


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


def _empty(path: Path, line: int, columns: list[str], fields: list[str]) -> DataError:
    column = next(c for c, value in zip(columns, fields, strict=False) if not value)
    return DataError(f"{path}: row {line}, column {column}: empty")


def _response_ms(path: Path, line: int, raw: str) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise DataError(
            f"{path}: row {line}, column response_ms: '{raw}' is not an integer"
        ) from None
    if not 0 <= value <= MAX_RESPONSE_MS:
        raise DataError(
            f"{path}: row {line}, column response_ms: {raw} is outside 0-{MAX_RESPONSE_MS}"
        )
    return value


def read_likert(path: Path) -> list[LikertRating]:
    ratings: list[LikertRating] = []
    first_seen: dict[tuple[str, str, str], int] = {}
    for line, fields in _rows(path, LIKERT_REQUIRED, ("response_ms",)):
        rater, item, criterion, raw, raw_ms = fields
        if not (rater and item and criterion and raw):
            raise _empty(path, line, LIKERT_REQUIRED, fields)
        try:
            score = int(raw)
        except ValueError:
            raise DataError(
                f"{path}: row {line}, column score: '{raw}' is not an integer"
            ) from None
        key = (rater, item, criterion)
        if key in first_seen:
            raise DataError(
                f"{path}: row {line}: rater {rater} rated item {item} on {criterion} twice "
                f"(first at row {first_seen[key]})"
            )
        first_seen[key] = line
        ratings.append(
            LikertRating(rater, item, criterion, score, _response_ms(path, line, raw_ms))
        )
    if not ratings:
        raise DataError(f"{path}: no ratings")
    return ratings


def read_pairwise(path: Path) -> list[PairVote]:
    votes = []
    for line, fields in _rows(path, PAIRWISE_REQUIRED, ("response_ms",)):
        rater, prompt, system_a, system_b, raw_winner, raw_ms = fields
        if not (rater and prompt and system_a and system_b and raw_winner):
            raise _empty(path, line, PAIRWISE_REQUIRED, fields)
        winner = raw_winner.lower()
        if winner not in WINNERS:
            raise DataError(f"{path}: row {line}, column winner: '{raw_winner}' is not a, b or tie")
        if system_a == system_b:
            raise DataError(f"{path}: row {line}, column system_b: same system as system_a")
        votes.append(
            PairVote(rater, prompt, system_a, system_b, winner, _response_ms(path, line, raw_ms))
        )
    if not votes:
        raise DataError(f"{path}: no pairwise votes")
    return votes


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
