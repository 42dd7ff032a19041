"""Answers given up front: `-d KEY=VALUE` pairs, `--data-file` YAML, and their checks."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from genai_scaffold.errors import InvalidAnswerError
from genai_scaffold.questionnaire import Question, Questionnaire

# What a yes/no question accepts, in any case; anything else is refused, not taken as yes.
TRUE_WORDS = frozenset({"yes", "true", "y", "1"})
FALSE_WORDS = frozenset({"no", "false", "n", "0"})
BOOL_WORDS = ("yes", "no", "true", "false", "y", "n", "1", "0")
# 18 digits: any longer number is out of every range, and int() of thousands of digits
# raises (Python limits int-string conversion).
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
MAX_SHOWN = 40


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """`["license=MIT", "docker=true"]` -> `{"license": "MIT", "docker": "true"}`.

    Values stay strings here; `check_answers` turns them into each question's type.
    """
    answers: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise InvalidAnswerError(
                f"'{pair}' is not KEY=VALUE", hint="write answers as -d license=Apache-2.0"
            )
        answers[key.strip()] = value
    return answers


def load_file(path: Path) -> dict[str, Any]:
    """A YAML mapping of answers, e.g. a copy of another project's .copier-answers.yml."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidAnswerError(
            f"cannot read {path}: {error.strerror}", hint="check the --data-file path"
        ) from error
    except yaml.YAMLError as error:
        raise InvalidAnswerError(
            f"{path} is not valid YAML: {str(error).splitlines()[0]}",
            hint="the data file holds one `question: answer` per line",
        ) from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidAnswerError(
            f"{path} must hold a mapping of question: answer",
            hint="write one `question: answer` per line",
        )
    # Keys starting with `_` are Copier's bookkeeping in answers files, not answers.
    return {str(key): value for key, value in loaded.items() if not str(key).startswith("_")}


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate a typo most likely meant (`licence` -> `license`), if any is close."""
    by_folded = {candidate.lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(word.lower(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[matches[0]] if matches else None


def shown(value: Any) -> str:
    """A value as an error message quotes it: repr-like, and never megabytes long."""
    text = value if isinstance(value, str) else repr(value)
    return f"'{text[:MAX_SHOWN]}...'" if len(text) > MAX_SHOWN else f"'{text}'"


def _as_bool(question: Question, value: Any) -> bool:
    # bool is checked first: it is also an int. YAML already turned yes/no/true/false
    # into booleans in a data file; from -d and the prompts they arrive as strings.
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str | int) else None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidAnswerError(
        f"{question.name}: {shown(value)} is not a yes/no answer",
        hint=f"answer {question.name} with one of: {', '.join(BOOL_WORDS)} (any case)",
    )


def _as_int(question: Question, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise InvalidAnswerError(
        f"{question.name}: {shown(value)} is not a whole number",
        hint=f"answer {question.name} with {_allowed(question) or 'a number such as 3'}",
    )


def _as_str(question: Question, value: Any) -> str:
    # A data file may hold `copyright_year: 2026` or `python_version: 3.12`: YAML reads
    # numbers, the question wants their text. Lists and mappings are never text.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise InvalidAnswerError(
        f"{question.name}: {shown(value)} is not text",
        hint=f"answer {question.name} with {_allowed(question) or 'a quoted string'}",
    )


def _allowed(question: Question) -> str:
    return (
        "one of: " + ", ".join(str(c.value) for c in question.choices) if question.choices else ""
    )


def coerce(question: Question, value: Any) -> Any:
    """`value` as the type `question` asks for, or an error naming both and what is allowed."""
    typed: Any
    if question.type == "bool":
        typed = _as_bool(question, value)
    elif question.type == "int":
        typed = _as_int(question, value)
    elif question.type == "str":
        typed = _as_str(question, value)
    else:  # yaml/json/float questions are not asked by this template; Copier checks them
        typed = value
    values = [choice.value for choice in question.choices]
    if values and typed not in values:
        suggestion = closest(str(typed), map(str, values))
        raise InvalidAnswerError(
            f"{question.name}: {shown(value)} is not a choice"
            + (f"; did you mean {suggestion}?" if suggestion else ""),
            hint=f"answer {question.name} with {_allowed(question)}",
        )
    return typed


def check_answers(
    answers: Mapping[str, Any], questionnaire: Questionnaire, kind: str
) -> dict[str, Any]:
    """Check every answer against its question's type and choices; return them typed.

    Copier casts `-d docker=nope` to true and fails on `-d raters_per_item=three` with
    Python's own message, so answers are checked here, before anything is rendered.
    A key that is not a question of `kind` is refused with the closest question's name.
    """
    questions = {question.name: question for question in questionnaire.questions_for(kind)}
    typed: dict[str, Any] = {}
    for name, value in answers.items():
        if name == "kind":
            typed[name] = value
        elif name in questions:
            typed[name] = coerce(questions[name], value)
        else:
            raise _not_a_question(name, questionnaire, kind, list(questions))
    return typed


def _not_a_question(
    name: str, questionnaire: Questionnaire, kind: str, known: list[str]
) -> InvalidAnswerError:
    owners = [
        other.name
        for other in questionnaire.kinds
        if other.name != kind and name in {q.name for q in questionnaire.questions_for(other.name)}
    ]
    if owners:
        return InvalidAnswerError(
            f"'{name}' is not a question of the {kind} template (only {', '.join(owners)} asks it)",
            hint=f"drop {name}; `genai-scaffold list` shows what {kind} asks",
        )
    suggestion = closest(name, known)
    return InvalidAnswerError(
        f"'{name}' is not a question of the {kind} template"
        + (f"; did you mean {suggestion}?" if suggestion else ""),
        hint=f"{kind} asks: {', '.join(known)}",
    )
