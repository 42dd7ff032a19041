"""The generalisation benchmark's bookkeeping: the threshold the dev corpora choose, the
reports it writes for each split, and template syntax kept out of them.

Scoring a corpus needs the Debian packages and minutes; these checks need neither.
"""

import importlib.util
import json
import sys
from types import ModuleType
from typing import Any

import pytest

from conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "generalisation.py"


@pytest.fixture(scope="module")
def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generalisation", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generalisation"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def outcome(benchmark: ModuleType, confidence: float, answerable: bool) -> Any:
    return benchmark.Outcome(
        question=f"question at {confidence}",
        type="how-to" if answerable else "unanswerable",
        expected_sources=["page.html"] if answerable else [],
        key="the key" if answerable else None,
        sources=["page.html"],
        key_rank=1 if answerable else None,
        answer="holds the key" if answerable else "an answer",
        confidence=confidence,
    )


def test_the_threshold_separates_the_dev_corpora_halfway_between_their_confidences(
    benchmark: ModuleType,
) -> None:
    first = [outcome(benchmark, c, True) for c in (0.7, 0.8)] + [outcome(benchmark, 0.5, False)]
    second = [outcome(benchmark, 0.65, True), outcome(benchmark, 0.55, False)]

    assert benchmark.tune_min_confidence([first, second]) == 0.6
    scored = benchmark.metrics(benchmark.with_threshold(second, 0.6))
    assert (scored["false_abstention"], scored["unanswerable_abstention"]) == (0.0, 1.0)


def report_of(benchmark: ModuleType, split: str, question: str) -> dict[str, Any]:
    outcomes = [outcome(benchmark, 0.7, True), outcome(benchmark, 0.4, False)]
    outcomes[0].question = question
    scored = benchmark.metrics(benchmark.with_threshold(outcomes, 0.6))
    entry = {
        "shape": "a guide",
        "package": "some-doc",
        "version": "1.0",
        "files": 1,
        "ours": scored,
        **dict.fromkeys(benchmark.BASELINES, scored),
        "misses": [f"{question} (key `{question}`): file rank 2, answer lacks the key"],
    }
    report = {
        "split": split,
        "min_confidence": 0.6,
        "corpora": {"some-docs": entry},
        "macro": {split: dict.fromkeys(("ours", *benchmark.BASELINES), scored)},
        "seconds": 1.0,
        "machine": benchmark.machine(1),
        "cached_vectors": 0,
    }
    if split == "dev":
        report["leave_one_corpus_out"] = {
            "some-docs": {
                "min_confidence": 0.6,
                "false_abstention": 0,
                "unanswerable_abstention": 1,
            }
        }
    return report


def test_the_dev_report_shows_where_the_threshold_holds_and_the_held_out_one_only_scores(
    benchmark: ModuleType,
) -> None:
    dev = benchmark.render(report_of(benchmark, "dev", "How?"))
    held_out = benchmark.render(report_of(benchmark, "test", "How?"))

    assert "## Dev corpora, macro-averaged" in dev
    assert "Abstention on a dev corpus left out" in dev
    assert "## Held-out corpora, macro-averaged" in held_out
    assert "Abstention on a dev corpus left out" not in held_out
    assert "generalisation-dev.md" in held_out
    assert "every text was embedded" in held_out
    assert benchmark.REPORTS == {"test": "generalisation", "dev": "generalisation-dev"}


def test_questions_quoting_template_syntax_leave_none_in_either_report(
    benchmark: ModuleType,
) -> None:
    question = "Why does " + "{" + "% raw %" + "} stop " + "{" * 2 + " x }} from rendering?"
    report = report_of(benchmark, "test", question)

    markdown = benchmark._markdown_without_template_syntax(benchmark.render(report))
    text = benchmark._escape_template_syntax(json.dumps(report), "\\u007b", "\\u0025")

    for written in (markdown, text):
        assert "{" * 2 not in written
        assert "{" + "%" not in written
    assert json.loads(text) == report  # the JSON reads the same
    # Markdown shows entities inside backticks as typed: that span is HTML now.
    assert "<code>Why does {&#37; raw %} stop {&#123; x }} from rendering?</code>" in markdown
