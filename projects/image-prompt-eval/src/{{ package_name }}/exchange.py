"""The exchange formats: Likert and pairwise ratings as CSV (or JSONL), read strictly.

Likert:   rater_id,item_id,criterion,score          (score an integer)
Pairwise: rater_id,prompt_id,system_a,system_b,winner  (winner: a, b or tie)

Files from other tools are welcome; a malformed one fails with the row and column.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import DataError

LIKERT_COLUMNS = ["rater_id", "item_id", "criterion", "score"]
PAIRWISE_COLUMNS = ["rater_id", "prompt_id", "system_a", "system_b", "winner"]
ITEM_COLUMNS = ["item_id", "prompt_id", "seed", "system"]
ATTENTION_COLUMNS = ["rater_id", "check", "item_id", "passed"]
WINNERS = ("a", "b", "tie")


@dataclass(frozen=True)
class LikertRating:
    """One score one rater gave one image on one criterion."""

    rater_id: str
    item_id: str
    criterion: str
    score: int


@dataclass(frozen=True)
class PairVote:
    """One rater's verdict on two systems' images of one prompt."""

    rater_id: str
    prompt_id: str
    system_a: str
    system_b: str
    winner: str


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


def _rows(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from a CSV or JSONL file, after checking the columns."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text") from exc
    if path.suffix == ".jsonl":
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
            yield line, {key: "" if value is None else str(value) for key, value in record.items()}
        return
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    if missing := [column for column in required if column not in header]:
        raise DataError(
            f"{path}: row 1 (header): missing column(s) {', '.join(missing)}; "
            f"expected {','.join(required)}"
        )
    for line, row in enumerate(reader, start=2):
        if None in row or any(row[column] is None for column in required):
            raise DataError(f"{path}: row {line}: expected {len(header)} fields")
        yield line, row


def _text(path: Path, line: int, row: dict[str, str], column: str) -> str:
    value = row[column].strip()
    if not value:
        raise DataError(f"{path}: row {line}, column {column}: empty")
    return value


def read_likert(path: Path) -> list[LikertRating]:
    ratings: list[LikertRating] = []
    first_seen: dict[tuple[str, str, str], int] = {}
    for line, row in _rows(path, LIKERT_COLUMNS):
        rater, item, criterion = (_text(path, line, row, c) for c in LIKERT_COLUMNS[:3])
        raw = _text(path, line, row, "score")
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
        ratings.append(LikertRating(rater, item, criterion, score))
    if not ratings:
        raise DataError(f"{path}: no ratings")
    return ratings


def read_pairwise(path: Path) -> list[PairVote]:
    votes = []
    for line, row in _rows(path, PAIRWISE_COLUMNS):
        rater, prompt, system_a, system_b = (
            _text(path, line, row, c) for c in PAIRWISE_COLUMNS[:4]
        )
        winner = _text(path, line, row, "winner").lower()
        if winner not in WINNERS:
            raise DataError(
                f"{path}: row {line}, column winner: '{row['winner']}' is not a, b or tie"
            )
        if system_a == system_b:
            raise DataError(f"{path}: row {line}, column system_b: same system as system_a")
        votes.append(PairVote(rater, prompt, system_a, system_b, winner))
    if not votes:
        raise DataError(f"{path}: no pairwise votes")
    return votes


def read_items(path: Path) -> dict[str, Item]:
    items = {}
    for line, row in _rows(path, ITEM_COLUMNS):
        item_id = _text(path, line, row, "item_id")
        levels = {key: value for key, value in row.items() if key not in ITEM_COLUMNS and value}
        items[item_id] = Item(
            item_id, _text(path, line, row, "prompt_id"), _text(path, line, row, "system"), levels
        )
    return items


def read_attention(path: Path) -> list[AttentionResult]:
    results = []
    for line, row in _rows(path, ATTENTION_COLUMNS):
        passed = row["passed"].strip().lower()
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
    return [asdict(record) for record in records]
