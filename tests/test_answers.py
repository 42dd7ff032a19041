"""Answers are checked by their question's type before Copier runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from genai_scaffold.answers import check_answers
from genai_scaffold.errors import InvalidAnswerError
from genai_scaffold.questionnaire import Questionnaire

from tests.conftest import invoke


@pytest.mark.parametrize(
    ("given", "typed"),
    [
        ("yes", True),
        ("YES", True),
        ("True", True),
        ("y", True),
        ("1", True),
        (True, True),
        ("no", False),
        ("False", False),
        ("N", False),
        ("0", False),
        (0, False),
        (False, False),
    ],
)
def test_yes_no_questions_take_the_usual_words_in_any_case(
    questionnaire: Questionnaire, given: Any, typed: bool
) -> None:
    assert check_answers({"docker": given}, questionnaire, "rag-chatbot") == {"docker": typed}


@pytest.mark.parametrize("given", ["nope", "maybe", "", "on", "2", 2, 1.0, ["yes"], None])
def test_yes_no_questions_refuse_everything_else(questionnaire: Questionnaire, given: Any) -> None:
    with pytest.raises(InvalidAnswerError) as raised:
        check_answers({"web_ui": given}, questionnaire, "rag-chatbot")

    assert raised.value.message.startswith("web_ui: ")
    assert raised.value.message.endswith("is not a yes/no answer")
    assert "yes, no, true, false, y, n, 1, 0" in raised.value.hint


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("three", "raters_per_item: 'three' is not a whole number"),
        ("3.0", "raters_per_item: '3.0' is not a whole number"),
        ("1" * 5000, f"raters_per_item: '{'1' * 40}...' is not a whole number"),
        (True, "raters_per_item: 'True' is not a whole number"),
        ("7", "raters_per_item: '7' is not a choice"),
        (str(2**70), f"raters_per_item: '{2**70}' is not a whole number"),
        (-3, "raters_per_item: '-3' is not a choice"),
    ],
)
def test_integer_questions_name_the_question_the_value_and_the_choices(
    questionnaire: Questionnaire, given: Any, message: str
) -> None:
    with pytest.raises(InvalidAnswerError) as raised:
        check_answers({"raters_per_item": given}, questionnaire, "image-prompt-eval")

    assert raised.value.message.startswith(message)
    assert raised.value.hint == "answer raters_per_item with one of: 3, 2, 5"


def test_integer_answers_arrive_as_integers(questionnaire: Questionnaire) -> None:
    typed = check_answers({"raters_per_item": " 5 "}, questionnaire, "image-prompt-eval")

    assert typed == {"raters_per_item": 5}


def test_a_choice_in_the_wrong_case_suggests_the_right_one(questionnaire: Questionnaire) -> None:
    with pytest.raises(
        InvalidAnswerError, match="license: 'mit' is not a choice; did you mean MIT"
    ):
        check_answers({"license": "mit"}, questionnaire, "rag-chatbot")


def test_numbers_from_a_data_file_are_taken_as_text_where_text_is_asked(
    questionnaire: Questionnaire,
) -> None:
    typed = check_answers(
        {"copyright_year": 2031, "python_version": 3.12}, questionnaire, "rag-chatbot"
    )

    assert typed == {"copyright_year": "2031", "python_version": "3.12"}


def test_lists_are_not_text(questionnaire: Questionnaire) -> None:
    with pytest.raises(InvalidAnswerError, match=r"project_name: '\['a'\]' is not text"):
        check_answers({"project_name": ["a"]}, questionnaire, "rag-chatbot")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "licence",
            "'licence' is not a question of the rag-chatbot template; did you mean license?",
        ),
        ("webui", "'webui' is not a question of the rag-chatbot template; did you mean web_ui?"),
        ("zzz", "'zzz' is not a question of the rag-chatbot template"),
        (
            "raters_per_item",
            "'raters_per_item' is not a question of the rag-chatbot template "
            "(only image-prompt-eval asks it)",
        ),
    ],
)
def test_a_key_that_is_no_question_suggests_the_closest(
    questionnaire: Questionnaire, key: str, message: str
) -> None:
    with pytest.raises(InvalidAnswerError) as raised:
        check_answers({key: "x"}, questionnaire, "rag-chatbot")

    assert raised.value.message == message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "docker=nope"], "Error: docker: 'nope' is not a yes/no answer"),
        (["-d", "web_ui=maybe"], "Error: web_ui: 'maybe' is not a yes/no answer"),
        (["--data-file", "answers.yml"], "Error: docker: 'sometimes' is not a yes/no answer"),
    ],
)
def test_the_cli_refuses_mistyped_answers_before_rendering(
    workdir: Path, args: list[str], message: str
) -> None:
    (workdir / "answers.yml").write_text("docker: sometimes\n", encoding="utf-8")

    result = invoke("new", "rag-chatbot", "p", "--defaults", *args)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message
    assert not (workdir / "p").exists()


def test_the_cli_refuses_a_word_for_a_number_naming_the_question(workdir: Path) -> None:
    result = invoke("new", "image-prompt-eval", "p", "--defaults", "-d", "raters_per_item=three")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: raters_per_item: 'three' is not a whole number",
        "Hint: answer raters_per_item with one of: 3, 2, 5",
    ]
