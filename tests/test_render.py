"""Every kind renders with every answer set into files that parse and hold no template code."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy
from genai_scaffold.errors import InvalidAnswerError
from genai_scaffold.generate import create_project
from genai_scaffold.questionnaire import Questionnaire
from genai_scaffold.template_source import resolve_source
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harness.answer_sets import alternatives, answer_sets
from harness.leftovers import find_leftovers
from tests.conftest import REPO_ROOT, recorded_answers, shared, tree

QUESTIONNAIRE = Questionnaire(REPO_ROOT)
CASES = [
    pytest.param(kind.name, answers, id=f"{kind.name}-{name}")
    for kind in QUESTIONNAIRE.kinds
    for name, answers in answer_sets(QUESTIONNAIRE, kind.name).items()
]
PARSED_SUFFIXES = {".toml", ".yml", ".yaml", ".json", ".py"}


def render(kind: str, answers: dict[str, Any], dest: Path) -> Path:
    """`new KIND DEST --defaults --no-git`, in-process; a repeated request gets a copy.

    Rendering takes seconds and many tests read the same project, so each request is
    rendered once per test run (shared by the xdist workers). The project's name comes
    from the folder's name, so that name is part of the request; each test gets its own
    copy, which it may change.
    """
    request = json.dumps([kind, answers, dest.name], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(request.encode()).hexdigest()[:16]
    rendered = shared(
        f"render-{digest}",
        lambda folder: create_project(
            kind,
            folder / dest.name,
            source=resolve_source(None, None),
            answers=answers,
            defaults=True,
            use_git=False,
        ),
    )
    shutil.copytree(rendered / dest.name, dest, symlinks=True)
    return dest


def check_parses(path: Path, python_version: str) -> None:
    """Parse `path` by its suffix; Python only if this interpreter knows its grammar."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        tomllib.loads(text)
    elif path.suffix in {".yml", ".yaml"}:
        yaml.safe_load(text)
    elif path.suffix == ".json":
        json.loads(text)
    elif path.suffix == ".py" and tuple(map(int, python_version.split("."))) <= sys.version_info:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an invalid escape is a warning, then an error
            ast.parse(text, str(path))


@pytest.mark.parametrize(("kind", "answers"), CASES)
def test_every_answer_set_renders_files_that_parse(
    kind: str, answers: dict[str, Any], tmp_path: Path
) -> None:
    project = render(kind, answers, tmp_path / "project")

    recorded = recorded_answers(project)
    for name, value in answers.items():
        assert recorded[name] == value
    assert find_leftovers(project) == []
    for path in project.rglob("*"):
        if path.suffix in PARSED_SUFFIXES:
            check_parses(path, recorded["python_version"])


@pytest.mark.parametrize(("kind", "answers"), CASES)
def test_plain_nox_only_checks_and_never_rewrites_results(
    kind: str, answers: dict[str, Any], tmp_path: Path
) -> None:
    """Demo, evaluation, benchmark and screenshot sessions rewrite committed files: by name only."""
    project = render(kind, answers, tmp_path / "project")

    listed = subprocess.run(
        [sys.executable, "-m", "nox", "--list", "--json"],  # lists the selected sessions only
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )

    assert {session["name"] for session in json.loads(listed.stdout)} == {
        "tests",
        "slow",
        "lint",
        "typecheck",
        "build",
    }


def test_every_choice_of_every_question_is_covered_by_some_answer_set() -> None:
    for kind in QUESTIONNAIRE.kinds:
        sets = answer_sets(QUESTIONNAIRE, kind.name).values()
        for question in QUESTIONNAIRE.questions_for(kind.name):
            given = {answers[question.name] for answers in sets if question.name in answers}
            assert set(alternatives(question)) <= given, (kind.name, question.name)


@pytest.mark.parametrize("kind", [kind.name for kind in QUESTIONNAIRE.kinds])
def test_plain_copier_copy_gives_the_same_tree_as_the_cli(kind: str, tmp_path: Path) -> None:
    via_cli = render(kind, {}, tmp_path / "cli" / "project")
    via_copier = tmp_path / "copier" / "project"
    run_copy(
        str(REPO_ROOT), via_copier, data={"kind": kind}, defaults=True, vcs_ref="HEAD", quiet=True
    )

    # `_commit` names a throwaway commit of uncommitted changes when the checkout is dirty.
    def without_commit(files: dict[str, bytes]) -> dict[str, bytes]:
        answers = files[".copier-answers.yml"]
        files[".copier-answers.yml"] = re.sub(rb"\n_commit: [^\n]+", b"", answers)
        return files

    assert without_commit(tree(via_cli)) == without_commit(tree(via_copier))


def test_a_unicode_project_name_gives_an_ascii_slug_and_package(tmp_path: Path) -> None:
    project = render("rag-chatbot", {"project_name": "Café Ünïcode Bøt — 日本"}, tmp_path / "p")

    recorded = recorded_answers(project)
    assert (recorded["project_slug"], recorded["package_name"]) == (
        "cafe-unicode-bot",
        "cafe_unicode_bot",
    )
    assert "# Café Ünïcode Bøt — 日本" in (project / "README.md").read_text(encoding="utf-8")


def test_a_name_without_latin_letters_falls_back_to_the_kind(tmp_path: Path) -> None:
    project = render("rag-chatbot", {"project_name": "日本語ボット"}, tmp_path / "p")

    assert (project / "src" / "rag_chatbot").is_dir()


@pytest.mark.parametrize(
    ("license_id", "expected"),
    [
        ("MIT", "Permission is hereby granted, free of charge"),
        ("Apache-2.0", "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"),
        ("BSD-3-Clause", "Neither the name of the copyright holder"),
        ("GPL-3.0-or-later", "GNU GENERAL PUBLIC LICENSE"),
        ("Proprietary", "All rights reserved."),
    ],
)
def test_the_full_license_text_is_rendered(license_id: str, expected: str, tmp_path: Path) -> None:
    project = render("rag-chatbot", {"license": license_id}, tmp_path / "p")

    license_text = (project / "LICENSE").read_text(encoding="utf-8")
    assert expected in license_text
    assert len(license_text) > 250
    spdx = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "license"
    ]
    assert spdx == ("LicenseRef-Proprietary" if license_id == "Proprietary" else license_id)


def test_docker_yes_adds_a_multi_stage_non_root_image(tmp_path: Path) -> None:
    project = render("rag-chatbot", {"docker": True}, tmp_path / "p")

    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.count("FROM ") == 2
    assert "\nUSER app\n" in dockerfile
    assert (project / ".dockerignore").is_file()


def test_github_user_drives_the_badge_and_project_urls(tmp_path: Path) -> None:
    project = render("rag-chatbot", {"github_user": "zoe-dev"}, tmp_path / "acme")

    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "https://github.com/zoe-dev/acme/actions/workflows/ci.yml/badge.svg" in readme
    urls = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "urls"
    ]
    assert urls["Homepage"] == "https://github.com/zoe-dev/acme"


def test_leftover_search_flags_template_syntax_and_rej_files_only(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("group: ${{ github.ref }}\n")
    (tmp_path / "app" / "templates").mkdir(parents=True)
    (tmp_path / "app" / "templates" / "page.html").write_text("{% block body %}{% endblock %}")
    (tmp_path / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n\0{{")
    (tmp_path / "README.md").write_text("title\n\nHello {{ name }}\n")
    (tmp_path / "pyproject.toml.rej").write_text("@@ -1 +1 @@\n")

    assert find_leftovers(tmp_path) == ["README.md:3", "pyproject.toml.rej (a conflict file)"]


def test_no_kind_ships_a_social_preview_card() -> None:
    """The card shows the project's name, so one drawn for the template would show the wrong one.

    Each project's report step draws its own; the samples under `projects/` must not carry one.
    """
    assert sorted((REPO_ROOT / "projects").rglob("social-preview.png")) == []


# Answers typed as free text: a name, a sentence. The validated ones (slug, package name,
# email, GitHub user, year, model name) have properties of their own.
FREE_TEXT = {"project_name", "description", "author_name", "company_name", "domain"}
# Text a validator lets through, so that the examples render (the questionnaire's tests
# check that text with line breaks or control characters is refused).
PRINTABLE = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"))
NASTY = "\\\"'{}%#$` \ufeff\u202e\u0130\u0307\U0001f916\U0001f469\u200d\U0001f4bb日é"
# Each example renders a whole project (seconds), so each answer is random text with
# characters that need escaping in some file format mixed in, never plain letters alone.
TEXT = st.tuples(st.text(PRINTABLE, max_size=12), st.text(NASTY, min_size=1, max_size=12)).map(
    "".join
)


def free_text_names(kind: str) -> list[str]:
    return [q.name for q in QUESTIONNAIRE.questions_for(kind) if q.name in FREE_TEXT]


@pytest.mark.parametrize("kind", QUESTIONNAIRE.kinds, ids=lambda kind: kind.name)
def test_any_text_answer_renders_files_that_parse_or_is_refused(kind: Any) -> None:
    """Emoji, backslashes, quotes, line breaks, control characters: parsed or refused.

    Every TOML, YAML, JSON and Python file of the result must parse (Python with warnings
    as errors, as the project's own tests run), and the answers read back unchanged.
    """
    names = free_text_names(kind.name)

    @settings(max_examples=3)
    @given(st.fixed_dictionaries(dict.fromkeys(names, TEXT)))
    @example(dict.fromkeys(names, NASTY))  # every awkward character in every answer
    def renders_or_refuses(answers: dict[str, str]) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            try:
                project = render(kind.name, answers, Path(scratch) / "project")
            except InvalidAnswerError as error:
                refused: InvalidAnswerError | None = error
            else:
                refused = None
            if refused is not None:
                assert refused.exit_code == 2
                assert refused.message.split(":")[0] in {*answers, "project_slug", "package_name"}
                return
            for path in project.rglob("*"):
                if path.suffix in PARSED_SUFFIXES:
                    check_parses(path, "3.11")
            metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
            assert metadata["project"]["description"] == answers["description"]
            citation = yaml.safe_load((project / "CITATION.cff").read_text(encoding="utf-8"))
            assert citation["title"] == answers["project_name"]
            assert citation["authors"][0]["name"] == answers["author_name"]

    renders_or_refuses()
