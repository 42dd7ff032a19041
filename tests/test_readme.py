"""The root README stays true to the code."""

from __future__ import annotations

from genai_scaffold.questionnaire import Questionnaire
from genai_scaffold.readme import quickstart_commands

from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"


def test_the_quickstart_is_two_commands_generate_then_test() -> None:
    generate, test = quickstart_commands(README)

    assert "genai-scaffold new " in generate
    assert test.endswith("nox")


def test_the_kinds_table_lists_every_kind(questionnaire: Questionnaire) -> None:
    text = README.read_text(encoding="utf-8")

    for kind in questionnaire.kinds:
        assert f"| `{kind.name}` |" in text
