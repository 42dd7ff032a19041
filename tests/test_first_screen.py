"""Every generated README opens with its result: pitch, picture, headline figures, quickstart.

A reader skimming a repository sees one screen. It must say what the project is, show
what it produces, and give a few figures read from the project's own reports (figure
markers, so they follow the reports), before the commands to run it; the architecture
detail lives in docs/architecture.md, site or no site.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_render import QUESTIONNAIRE, render

KINDS = [kind.name for kind in QUESTIONNAIRE.kinds]
# A Markdown image, or an <img> with alt text (to set its width), on a line of its own.
PICTURE = re.compile(
    r'^(?:!\[[^\]]+\]\((?P<path>[^)\s]+)\)|<img src="(?P<src>[^"]+)" alt="[^"]+"[^>]*>)$',
    re.MULTILINE,
)
FIGURE = re.compile(r"<!-- figure (?P<file>[^\s#]+)#\S* \S+ -->.*?<!-- /figure -->")
MERMAID = re.compile(r"```mermaid\n.*?```", re.DOTALL)
VARIANTS = [pytest.param(kind, {}, id=f"{kind}-defaults") for kind in KINDS] + [
    pytest.param("rag-chatbot", {"web_ui": False, "docs_site": False}, id="rag-no-ui-no-site"),
    pytest.param("lora-finetune", {"data_format": "text"}, id="lora-text"),
    pytest.param("image-prompt-eval", {"docs_site": False, "pairwise": False}, id="image-no-site"),
]


def first_screen(readme: str) -> str:
    """Everything above the quickstart, the title and badges left out."""
    head = readme.split("\n## Quickstart\n")[0]
    return "\n".join(line for line in head.splitlines()[1:] if not line.startswith("[!["))


@pytest.mark.parametrize(("kind", "answers"), VARIANTS)
def test_the_first_screen_is_pitch_picture_figures_then_quickstart(
    kind: str, answers: dict[str, Any], tmp_path: Path
) -> None:
    project = render(kind, answers, tmp_path / "first-screen")
    readme = (project / "README.md").read_text(encoding="utf-8")
    screen = first_screen(readme)

    assert "\n## " not in screen, "a section heading comes before the quickstart"
    pitch = screen.strip().split("\n\n")[0]
    assert "\n" not in pitch, pitch
    assert pitch.endswith("."), pitch
    (found,) = PICTURE.finditer(screen)
    picture = found["path"] or found["src"]
    assert not {"{", "%"} & set(picture), picture
    assert (project / picture).is_file(), picture
    rows = [line for line in screen.splitlines() if line.startswith("| ")][2:]
    assert 3 <= len(rows) <= 4, rows
    assert all(FIGURE.search(row) for row in rows), rows
    for report in {match["file"] for match in FIGURE.finditer(screen)}:
        assert (project / report).is_file(), report
    assert screen.index(picture) < screen.index(rows[0])


@pytest.mark.parametrize(("kind", "answers"), VARIANTS)
def test_the_readme_figures_match_the_reports_they_name(
    kind: str, answers: dict[str, Any], tmp_path: Path
) -> None:
    project = render(kind, answers, tmp_path / "first-screen")
    check = subprocess.run(
        [sys.executable, "docs/figures.py", "--check", "README.md"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(("kind", "answers"), VARIANTS)
def test_the_architecture_detail_ships_in_docs_with_the_readme_diagram(
    kind: str, answers: dict[str, Any], tmp_path: Path
) -> None:
    project = render(kind, answers, tmp_path / "first-screen")
    readme = (project / "README.md").read_text(encoding="utf-8")
    page = (project / "docs" / "architecture.md").read_text(encoding="utf-8")

    assert "](docs/architecture.md)" in readme
    assert MERMAID.findall(readme) == MERMAID.findall(page) != []
    architecture = readme.split("\n## Architecture\n")[1].split("\n## ")[0]
    assert len(architecture.split()) < len(page.split()) / 2, "the detail stayed in the README"
    assert ("<!-- module table:" in page) == (project / "mkdocs.yml").is_file()
