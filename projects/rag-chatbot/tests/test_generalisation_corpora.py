"""The generalisation benchmark's question sets are well formed.

A question whose expected file is not in its corpus's pinned list could never be a hit,
and would read as a retrieval miss in the report; these checks catch that, and the
issue's minimums, without the Debian packages the benchmark reads.
"""

import json
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"
CORPORA = sorted(path.parent for path in (EVAL / "generalisation").glob("*/manifest.json"))
MANIFEST_KEYS = ["name", "shape", "split", "package", "version", "root", "files"]
QUESTION_KEYS = ["question", "expected_sources", "key", "type"]
ANSWER_TYPES = {"how-to", "factoid", "number", "yes-no", "why", "unclassified"}


def test_every_corpus_folder_is_found_and_both_splits_are_used() -> None:
    splits = {
        folder.name: json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["split"]
        for folder in CORPORA
    }
    assert {"postgres-manual", "haproxy-manual", "jinja-docs", "zsh-manual"} <= set(splits)
    assert sorted(set(splits.values())) == ["dev", "test"]


@pytest.mark.parametrize("folder", CORPORA, ids=lambda folder: folder.name)
def test_a_corpus_pins_its_files_and_asks_enough_questions_about_them(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]

    assert list(manifest) == MANIFEST_KEYS
    assert manifest["name"] == folder.name
    assert manifest["split"] in ("dev", "test")
    assert all(len(digest) == 64 for digest in manifest["files"].values())
    assert all(list(row) == QUESTION_KEYS for row in questions)
    answerable = [row for row in questions if row["expected_sources"]]
    unanswerable = [row for row in questions if not row["expected_sources"]]
    assert len(answerable) >= 30
    assert len(unanswerable) >= 8
    assert len({row["question"] for row in questions}) == len(questions)
    for row in answerable:
        assert set(row["expected_sources"]) <= set(manifest["files"]), row["question"]
        assert row["key"], row["question"]
        assert row["type"] in ANSWER_TYPES, row["question"]
    for row in unanswerable:
        assert (row["key"], row["type"]) == (None, "unanswerable"), row["question"]
