"""The README quotes the held-out and the sample evaluations (values: test_readme_figures)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_quotes_the_held_out_and_sample_evaluations() -> None:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")

    assert "<!-- figure reports/generalisation.json#/macro/test/ours/file_hit@1 " in text
    assert "<!-- figure reports/eval.json#/metrics/hit@1 " in text
