"""The questionnaire: kinds, questions, validators and derived defaults."""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

import pytest
from genai_scaffold.errors import InvalidAnswerError, UnknownKindError
from genai_scaffold.generate import preview_project
from genai_scaffold.questionnaire import Questionnaire
from genai_scaffold.template_source import resolve_source

from tests.conftest import REPO_ROOT


def test_kind_choices_are_exactly_the_folders_under_projects(questionnaire: Questionnaire) -> None:
    (kind_question,) = [q for q in questionnaire.questions if q.name == "kind"]
    folders = sorted(path.name for path in (REPO_ROOT / "projects").iterdir() if path.is_dir())

    assert sorted(choice.value for choice in kind_question.choices) == folders
    assert [kind.name for kind in questionnaire.kinds] == folders
    assert all(kind.description for kind in questionnaire.kinds)


def test_every_asked_question_has_a_type_help_and_default(questionnaire: Questionnaire) -> None:
    for kind in questionnaire.kinds:
        for question in questionnaire.questions_for(kind.name):
            assert question.type in {"str", "bool", "int", "float", "yaml", "json"}, question.name
            assert len(question.help) > 20, question.name
            assert question.default is not None, question.name


def test_kind_specific_questions_apply_only_to_their_kind(questionnaire: Questionnaire) -> None:
    common = {q.name for q in questionnaire.questions if q.when is True and q.name != "kind"}
    for kind in questionnaire.kinds:
        own = {q.name for q in questionnaire.questions_for(kind.name)} - common
        for other in questionnaire.kinds:
            if other != kind:
                assert not own & {q.name for q in questionnaire.questions_for(other.name)}


def test_unknown_kind_names_the_known_ones(questionnaire: Questionnaire) -> None:
    with pytest.raises(UnknownKindError, match="unknown kind 'rag'") as raised:
        questionnaire.kind("rag")
    assert "rag-chatbot" in raised.value.hint


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("chatbot", "rag-chatbot"), ("lora", "lora-finetune"), ("rag-chatbto", "rag-chatbot")],
)
def test_unknown_kind_suggests_the_closest(
    questionnaire: Questionnaire, typed: str, meant: str
) -> None:
    with pytest.raises(UnknownKindError) as raised:
        questionnaire.kind(typed)
    assert raised.value.message == f"unknown kind '{typed}'; did you mean {meant}?"


def test_reserved_package_names_cover_this_python() -> None:
    listed = (REPO_ROOT / "template" / "python_names.jinja").read_text(encoding="utf-8")
    names = set(re.findall(r"'([^']+)'", listed))

    public_modules = {name for name in sys.stdlib_module_names if not name.startswith("_")}
    assert public_modules <= names
    assert set(keyword.kwlist + keyword.softkwlist) - {"_"} <= names


def reject(answers: dict[str, str], tmp_path: Path) -> str:
    with pytest.raises(InvalidAnswerError) as raised:
        preview_project(
            "rag-chatbot",
            tmp_path / "p",
            source=resolve_source(None, None),
            answers=answers,
            defaults=True,
        )
    return raised.value.message


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_slug": "My-Bot"}, "project_slug: 'My-Bot' must be lowercase letters"),
        ({"project_slug": "bot--x"}, "project_slug: 'bot--x' must be lowercase letters"),
        ({"project_slug": "9lives"}, "project_slug: '9lives' must be lowercase letters"),
        ({"package_name": "my-bot"}, "package_name: 'my-bot' is not a valid Python identifier"),
        ({"package_name": "MyBot"}, "package_name: 'MyBot' should be lowercase"),
        ({"package_name": "class"}, "package_name: 'class' is a Python keyword"),
        ({"package_name": "json"}, "package_name: 'json' would shadow the standard-library module"),
        ({"author_email": "jane@localhost"}, "author_email: 'jane@localhost' is not an email"),
        ({"author_email": "jane example.com"}, "author_email: 'jane example.com' is not an email"),
        ({"github_user": "-zoe"}, "github_user: '-zoe' is not a GitHub user"),
        ({"copyright_year": "26"}, "copyright_year: '26' is not a four-digit year"),
        ({"project_name": "  "}, "project_name: The project name cannot be empty"),
        ({"license": "WTFPL"}, "license: 'WTFPL' is not a choice"),
    ],
)
def test_validators_reject_bad_answers_with_their_message(
    answers: dict[str, str], message: str, tmp_path: Path
) -> None:
    assert reject(answers, tmp_path).startswith(message)
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Help Desk", "acme-help-desk"),
        ("  Ünïcode: Straße & Co.  ", "unicode-strasse-co"),
        ("3D Printing FAQ", "d-printing-faq"),
        ("bot_v2", "bot-v2"),
    ],
)
def test_the_slug_is_derived_from_the_project_name(name: str, slug: str, tmp_path: Path) -> None:
    from genai_scaffold.generate import create_project

    result = create_project(
        "rag-chatbot",
        tmp_path / "p",
        source=resolve_source(None, None),
        answers={"project_name": name},
        defaults=True,
        use_git=False,
    )
    assert result.answers["project_slug"] == slug
    assert result.answers["package_name"] == slug.replace("-", "_")
