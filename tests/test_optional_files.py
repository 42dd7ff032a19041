"""Answers leave files out through copier.yml's `_exclude`, not through folders of their own.

Each kind has one `docs/` tree (and one `data/` tree); a folder named by a condition
(`{% if docs_site %}docs{% endif %}`) would render onto the same path as its siblings
and show template code in every link to it on GitHub.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.test_render import CASES, QUESTIONNAIRE, render

TAG = re.compile(r"{%.*?%}")
# A Markdown image, or an HTML <img> (a README sets a tall picture's width with one).
PICTURE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img\s[^>]*?src=\"([^\"]+)\"")
PICTURES = {".png", ".jpg", ".svg"}
# The answer sets leave docs_site and web_ui on or off together in rag-chatbot; these
# two switch one off alone (the names are those test_docs_site renders, to share them).
ONE_OFF = [
    pytest.param("rag-chatbot", {"web_ui": False}, "no-ui", id="rag-chatbot-web_ui-off"),
    pytest.param("rag-chatbot", {"docs_site": False}, "off", id="rag-chatbot-docs_site-off"),
]
RENDERS = [pytest.param(*case.values, "project", id=case.id) for case in CASES] + ONE_OFF


def conditional_folders(kind: str) -> dict[str, list[str]]:
    """Folders of a kind's tree whose name holds a condition, by the name they render to."""
    found: dict[str, list[str]] = {}
    root = REPO_ROOT / "projects" / kind
    for folder in sorted(path for path in root.rglob("*") if path.is_dir()):
        if TAG.search(folder.name):
            plain = folder.parent.relative_to(root) / TAG.sub("", folder.name)
            found.setdefault(plain.as_posix(), []).append(folder.name)
    return found


@pytest.mark.parametrize("kind", [kind.name for kind in QUESTIONNAIRE.kinds])
def test_no_folder_is_named_by_a_condition_beside_one_of_the_same_name(kind: str) -> None:
    root = REPO_ROOT / "projects" / kind
    clashes = {
        plain: names
        for plain, names in conditional_folders(kind).items()
        if len(names) > 1 or (root / plain).is_dir()
    }

    assert clashes == {}


@pytest.mark.parametrize(("kind", "answers", "name"), RENDERS)
def test_every_picture_shipped_is_shown_and_every_picture_shown_ships(
    kind: str, answers: dict[str, Any], name: str, tmp_path: Path
) -> None:
    project = render(kind, answers, tmp_path / name)

    pages = [project / "README.md", *project.glob("docs/**/*.md")]
    shown = {
        (page.parent / link).resolve().relative_to(project).as_posix()
        for page in pages
        for match in PICTURE_LINK.finditer(page.read_text(encoding="utf-8"))
        if "://" not in (link := match.group(1) or match.group(2))
    }
    shipped = {
        path.relative_to(project).as_posix()
        for path in project.glob("docs/**/*")
        if path.suffix in PICTURES
    }
    assert sorted(p for p in shown if not (project / p).is_file()) == []
    assert sorted(shipped - shown) == []


@pytest.mark.parametrize(("kind", "answers", "name"), RENDERS)
def test_a_site_page_figure_filler_or_folder_ships_only_when_the_answers_use_it(
    kind: str, answers: dict[str, Any], name: str, tmp_path: Path
) -> None:
    project = render(kind, answers, tmp_path / name)

    site = (project / "mkdocs.yml").is_file()
    # The architecture page ships always: the README's summary points to it.
    site_pages = {path.name for path in project.glob("docs/*.md")} - {"architecture.md"}
    assert (project / "docs" / "architecture.md").is_file()
    assert (project / "docs" / "hooks.py").is_file() is site
    assert bool(site_pages) is site
    marked = [path for path in project.rglob("*.md") if "<!-- figure " in path.read_text("utf-8")]
    assert (project / "docs" / "figures.py").is_file() is bool(marked)
    assert [p for p in project.rglob("*") if p.is_dir() and not any(p.iterdir())] == []
