"""Prompt text: the question's name first, then its help wrapped, never cut."""

from __future__ import annotations

import pytest
from genai_scaffold.prompts import menu_label, prompt_message
from genai_scaffold.questionnaire import Questionnaire


@pytest.mark.parametrize("width", [40, 70, 80, 200])
def test_every_help_fits_the_terminal_and_keeps_every_word(
    questionnaire: Questionnaire, width: int
) -> None:
    for question in questionnaire.questions:
        message = prompt_message(question.name, question.type, question.help, width)
        lines = message.split("\n")

        assert lines[0].startswith(question.name)
        assert all(len(line) < width for line in lines), question.name
        assert " ".join(message.split()[1:]).endswith(" ".join(question.help.split()))


def test_numbers_say_so_in_the_title() -> None:
    assert (
        prompt_message("raters_per_item", "int", "", 70) == "raters_per_item (a whole number)\n  "
    )


@pytest.mark.parametrize("width", [70, 80])
def test_choice_labels_wrap_under_themselves(questionnaire: Questionnaire, width: int) -> None:
    for question in questionnaire.questions:
        for choice in question.choices:
            label = menu_label(choice.label, width)
            lines = label.split("\n")

            assert all(len(line) + 3 < width for line in lines)  # 3: the menu's pointer
            assert all(line.startswith("  ") for line in lines[1:])
            assert " ".join(label.split()) == " ".join(choice.label.split())
