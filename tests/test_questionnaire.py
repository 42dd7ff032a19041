"""The questionnaire: kinds, questions, validators and derived defaults."""

from __future__ import annotations

import keyword
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from genai_scaffold.errors import InvalidAnswerError, UnknownKindError
from genai_scaffold.generate import preview_project
from genai_scaffold.questionnaire import Questionnaire
from genai_scaffold.template_source import resolve_source
from hatchling.metadata.core import ProjectMetadata
from hatchling.metadata.spec import LATEST_METADATA_VERSION, get_core_metadata_constructors
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from packaging.metadata import Metadata

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
        ({"project_name": "Bot\nTwo"}, "project_name: The project name must be one line of text"),
        ({"company_name": "Acme\tCo"}, "company_name: The company name must be one line of text"),
        ({"author_name": "Zoë\u2028X"}, "author_name: The author name must be one line of text"),
        ({"description": "A bot\x7f"}, "description: The description must be one line of text"),
        (
            {"author_email": "jürgen@bücher.de"},
            "author_email: 'jürgen@bücher.de' is not an email address that packaging tools accept",
        ),
        ({"author_email": "jane@example.c"}, "author_email: 'jane@example.c' is not an email"),
        ({"project_slug": "bot\n"}, "project_slug: 'bot\n' must be lowercase letters"),
        ({"project_slug": "test"}, "project_slug: 'test' is a shell builtin or a common command"),
        ({"project_name": "Yes"}, "project_slug: 'yes' is a shell builtin or a common command"),
        (
            {"project_name": "x" * 300},
            f"project_slug: '{'x' * 40}...' is 300 characters long; at most 100 are allowed",
        ),
        (
            {"package_name": "x" * 101},
            f"package_name: '{'x' * 40}...' is 101 characters long; at most 100 are allowed",
        ),
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
        ("İstanbul Rehberi", "istanbul-rehberi"),  # "İ".lower() is "i" + a combining dot
        ("Re\u0301sume\u0301 Bot", "resume-bot"),  # accents typed as combining characters
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


def test_shell_builtins_and_keywords_are_refused_as_slugs() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    listed = (REPO_ROOT / "template" / "shell_names.jinja").read_text(encoding="utf-8")
    names = set(re.findall(r"'([^']+)'", listed.split("[", 1)[1]))
    known = subprocess.run(
        [bash, "-c", "compgen -bk"], capture_output=True, text=True, check=True
    ).stdout.split()

    spellable = {name for name in known if re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name)}
    assert {"test", "yes", "python", "pytest"} <= names
    assert spellable <= names


EMAIL_VALIDATOR = SandboxedEnvironment(
    loader=FileSystemLoader(REPO_ROOT),
    extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
).from_string("{% from 'template/macros.jinja' import email_error %}{{ email_error(email) }}")


def email_error(email: str) -> str:
    """What the author_email validator says about `email` ("" when it accepts it)."""
    return EMAIL_VALIDATOR.render(email=email).strip()


def packaged_author_email(email: str) -> str | None:
    """The address as hatchling writes it into the wheel's metadata, read back by packaging.

    Both validate: hatchling parses it with email.headerregistry, packaging checks the
    metadata it wrote. Either raises on an address a build or an install would refuse.
    """
    project = {"name": "p", "version": "0.1.0", "authors": [{"name": "Zoë", "email": email}]}
    metadata = ProjectMetadata(str(REPO_ROOT), None, {"project": project})
    text = get_core_metadata_constructors()[LATEST_METADATA_VERSION](metadata)
    return Metadata.from_email(text, validate=True).author_email


def test_the_email_a_user_reported_is_refused_as_hatchling_refuses_it() -> None:
    with pytest.raises(ValueError, match="non-ASCII"):  # hatchling's NonASCIILocalPartDefect
        packaged_author_email("jürgen@bücher.de")

    assert "is not an email address" in email_error("jürgen@bücher.de")
    assert email_error("jurgen@xn--bcher-kva.de") == ""


ATEXT = "abcxyzABC019!#$%&'*+/=?^_`{|}~-"


@given(
    st.emails()
    | st.builds(
        "{}@{}".format,
        st.text(alphabet=ATEXT + '.\\" @ü', min_size=1, max_size=12),
        st.sampled_from(["example.com", "xn--bcher-kva.de", "bücher.de", "a.b", "-x.io"])
        | st.text(alphabet="abz09-.ü_", min_size=1),
    )
)
def test_every_email_the_validator_accepts_builds_and_installs(email: str) -> None:
    if email_error(email) == "":
        assert packaged_author_email(email) == f"Zoë <{email}>"
        assert re.fullmatch(r"[\S]+@[\S]+\.[\S]{2,}", email)  # CITATION.cff's schema


TEXT_VALIDATOR = EMAIL_VALIDATOR.environment.from_string(
    "{% from 'template/macros.jinja' import text_error %}{{ text_error(text, 'The name') }}"
)


@given(st.text(min_size=1))
def test_free_text_must_be_one_printable_line(text: str) -> None:
    """Line breaks end a TOML or YAML comment or string early; YAML refuses control bytes."""
    breaks = re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]", text)
    error = TEXT_VALIDATOR.render(text=text).strip()

    if not text.strip():
        assert error == "The name cannot be empty"
    elif breaks:
        assert error.startswith("The name must be one line of text")
    else:
        assert error == ""
