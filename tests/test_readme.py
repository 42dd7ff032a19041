"""The root README stays true to the code."""

from __future__ import annotations

import re
from urllib.parse import unquote

from genai_scaffold.questionnaire import Questionnaire
from genai_scaffold.readme import quickstart_commands

from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
# Markdown images and the HTML <img> tags that lay screenshots side by side.
PICTURE = re.compile(r'!\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src="([^"]+)"')
SHOWCASE_LIMIT = 400_000  # bytes per screenshot: the README stays light to load


def test_the_quickstart_is_two_commands_generate_then_test() -> None:
    generate, test = quickstart_commands(README)

    assert "genai-scaffold new " in generate
    assert test.endswith("nox")


def test_the_kinds_table_lists_every_kind(questionnaire: Questionnaire) -> None:
    text = README.read_text(encoding="utf-8")

    for kind in questionnaire.kinds:
        assert f"| `{kind.name}` |" in text


def test_what_you_get_shows_every_kind_with_pictures_that_exist(
    questionnaire: Questionnaire,
) -> None:
    section = README.read_text(encoding="utf-8").split("\n## What you get\n")[1]
    section = section.split("\n## ")[0]

    for kind in questionnaire.kinds:
        part = section.split(f"\n### {kind.name}\n")[1].split("\n### ")[0]
        pictures = [unquote(markdown or html) for markdown, html in PICTURE.findall(part)]
        assert len(pictures) >= 3, kind.name
        for picture in pictures:
            path = REPO_ROOT / picture
            assert path.is_file(), picture
            assert path.read_bytes().startswith(b"\x89PNG"), picture


def test_the_site_screenshots_stay_small() -> None:
    screenshots = sorted((REPO_ROOT / "docs" / "showcase").glob("*/*.png"))

    assert screenshots
    for screenshot in screenshots:
        assert screenshot.stat().st_size < SHOWCASE_LIMIT, screenshot.name
