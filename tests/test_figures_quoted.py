"""No README, site page or guide types a measurement by hand: figures come from reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from genai_scaffold.generate import create_project
from genai_scaffold.questionnaire import Questionnaire
from genai_scaffold.template_source import resolve_source

from tests.conftest import REPO_ROOT
from tests.typed_figures import typed_figures

KINDS = [kind.name for kind in Questionnaire(REPO_ROOT).kinds]


def hand_written_pages(project: Path) -> list[Path]:
    """The Markdown a person writes: README, contributing guide and the site's pages.

    Reports (reports/, docs/results/, benchmarks/) are written by the project's own
    sessions and are where the figures come from.
    """
    pages = [project / "README.md", project / "CONTRIBUTING.md"]
    return [page for page in [*pages, *sorted((project / "docs").glob("*.md"))] if page.is_file()]


@pytest.mark.parametrize(
    "page",
    [
        "Cold `ask` takes 1.50 s on 2 cores.",
        "| steps per second | 0.11 | 0.21 | 1.55x |",
        "The default install is 425 MB.",
        "It reached 92% on the held-out questions.",
        "Latency per question: p50 88.5 ms.",
        "Training runs at 14.2 steps/s.",
        "LoRA is 1.9 \u00d7 faster here.",
        "Full fine-tuning takes about 112 GB on the GPU.",
    ],
)
def test_a_typed_measurement_is_found(page: str) -> None:
    assert typed_figures(page), page


@pytest.mark.parametrize(
    "page",
    [
        "Cold `ask` takes <!-- figure reports/b.json#/cold/median .2f -->1.50<!-- /figure --> s.",
        "Run `pytest --timeout 30s` first.",
        "```\nreal 0m1.50s\n```",
        "Bodies are capped at 16 KiB and headers at 64 KiB.",
        "The default test run stays <= 150 s on 2 cores.",
        "Mean rating with 95% intervals; the [95% CI] column.",
        "Clients retry 429s and 500s.",
        "A batch of 2 x 64 tokens.",
        "all-MiniLM-L6-v2, Python 3.11 and torch 2.13.0.",
        "The adapter has 16 \u00d7 (4 \u00d7 4096) \u00d7 32 parameters.",
        "For P = 7 \u00d7 10\u2079 parameters:",
        "It does not fit one 80 GB GPU; QLoRA fits 16-24 GB GPUs.",
    ],
)
def test_quoted_figures_code_limits_and_levels_are_not(page: str) -> None:
    assert typed_figures(page) == []


def test_the_generator_readme_types_no_measurement() -> None:
    assert typed_figures((REPO_ROOT / "README.md").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_generated_project_types_no_measurement(kind: str, tmp_path: Path) -> None:
    project = create_project(
        kind,
        tmp_path / kind,
        source=resolve_source(None, None),
        answers={},
        defaults=True,
        use_git=False,
    ).path

    typed = {
        f"{page.relative_to(project)}: {figure.text!r} in {figure.line!r}"
        for page in hand_written_pages(project)
        for figure in typed_figures(page.read_text(encoding="utf-8"))
    }
    assert not typed, "\n".join(sorted(typed))
