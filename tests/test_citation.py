"""CITATION.cff: valid Citation File Format 1.2.0 built from the answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_render import render

CFFCONVERT = str(Path(sys.executable).with_name("cffconvert"))


def validate(citation: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CFFCONVERT, "--validate", "--infile", str(citation)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("kind", "answers"),
    [
        ("rag-chatbot", {}),
        (
            "lora-finetune",
            {
                "project_name": "Café Ünïcode: “Bøt” — 日本",
                "author_name": "Zoë O'Brien",
                "author_email": "zoe@example.org",
                "github_user": "Zoe-Lab",
                "license": "GPL-3.0-or-later",
            },
        ),
        ("image-prompt-eval", {"license": "Proprietary", "docs_site": False}),
    ],
)
def test_the_citation_is_valid_cff_from_the_answers(
    kind: str, answers: dict[str, Any], tmp_path: Path
) -> None:
    project = render(kind, answers, tmp_path / "project")
    citation = project / "CITATION.cff"

    result = validate(citation)
    assert result.returncode == 0, result.stdout + result.stderr
    cff = yaml.safe_load(citation.read_text(encoding="utf-8"))
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["title"] == recorded["project_name"]
    assert cff["authors"] == [
        {"name": recorded["author_name"]}
        | ({"email": answers["author_email"]} if "author_email" in answers else {})
    ]
    if "github_user" in answers:
        assert cff["repository-code"] == "https://github.com/Zoe-Lab/cafe-unicode-bot"
        assert cff["url"] == "https://zoe-lab.github.io/cafe-unicode-bot/"
    else:
        assert "repository-code" not in cff
        assert "url" not in cff
    assert cff.get("license") == {"Proprietary": None}.get(recorded["license"], recorded["license"])


def test_the_validator_rejects_a_citation_without_authors(tmp_path: Path) -> None:
    project = render("rag-chatbot", {}, tmp_path / "p")
    citation = project / "CITATION.cff"
    cff = yaml.safe_load(citation.read_text(encoding="utf-8"))
    del cff["authors"]
    citation.write_text(yaml.safe_dump(cff), encoding="utf-8")

    assert validate(citation).returncode != 0


def test_the_readme_badges_follow_the_github_user_and_the_site(tmp_path: Path) -> None:
    with_user = render("rag-chatbot", {"github_user": "Zoe"}, tmp_path / "zoe-bot")
    no_site = render("rag-chatbot", {"github_user": "Zoe", "docs_site": False}, tmp_path / "x")
    without = render("rag-chatbot", {}, tmp_path / "plain-bot")

    readme = (with_user / "README.md").read_text(encoding="utf-8")
    assert "(https://github.com/Zoe/zoe-bot/actions/workflows/ci.yml/badge.svg)" in readme
    assert "[![Docs](https://img.shields.io/badge/docs-GitHub%20Pages-blue.svg)]" in readme
    assert "(https://zoe.github.io/zoe-bot/)" in readme
    no_site_readme = (no_site / "README.md").read_text(encoding="utf-8")
    assert "actions/workflows/ci.yml/badge.svg" in no_site_readme
    assert "github.io" not in no_site_readme
    assert "url" not in yaml.safe_load((no_site / "CITATION.cff").read_text(encoding="utf-8"))
    plain = (without / "README.md").read_text(encoding="utf-8")
    assert "actions/workflows" not in plain
    assert "github.io" not in plain
