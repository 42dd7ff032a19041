"""Answer sets that, together, give every choice of every question of a kind once.

The nox harness renders, installs and tests a project for each set; the generator's
tests render each one. Nothing here is used by the `genai-scaffold` command.
"""

from __future__ import annotations

from typing import Any

from genai_scaffold.questionnaire import Question, Questionnaire

# Free-text answers that exercise what defaults leave out: a Unicode name (slug and
# package derivation), an email and a GitHub user (badges and project URLs).
RICH_TEXT_ANSWERS: dict[str, str] = {
    "project_name": "Café Ünïcode Bøt — 日本",
    "author_name": "Zoë Ångström",
    "author_email": "zoe@example.org",
    "github_user": "zoe-dev",
}


def alternatives(question: Question) -> list[Any]:
    """Every answer other than the default that a choice or yes/no question allows."""
    if question.type == "bool":
        return [not question.default]
    return [choice.value for choice in question.choices if choice.value != question.default]


def answer_sets(questionnaire: Questionnaire, kind: str) -> dict[str, dict[str, Any]]:
    """Named answer sets that, together, give every choice of every question once.

    `defaults` is empty (every default). `variant-N` takes the N-th alternative of each
    choice and yes/no question that has one; `variant-1` also carries Unicode and
    non-empty free-text answers.
    """
    options = {
        question.name: alternatives(question) for question in questionnaire.questions_for(kind)
    }
    variants = max((len(values) for values in options.values()), default=0)
    sets: dict[str, dict[str, Any]] = {"defaults": {}}
    for index in range(max(variants, 1)):
        answers = {name: values[index] for name, values in options.items() if index < len(values)}
        if index == 0:
            answers |= {name: value for name, value in RICH_TEXT_ANSWERS.items() if name in options}
        sets[f"variant-{index + 1}"] = answers
    return sets
