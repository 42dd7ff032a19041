"""Answers given up front: `-d KEY=VALUE` pairs, `--data-file` YAML, and their checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from genai_scaffold.errors import InvalidAnswerError
from genai_scaffold.questionnaire import Questionnaire


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """`["license=MIT", "docker=true"]` -> `{"license": "MIT", "docker": "true"}`.

    Values stay strings: Copier casts them to each question's type, exactly as for
    answers typed at its prompts.
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


def check_known(answers: Mapping[str, Any], questionnaire: Questionnaire, kind: str) -> None:
    """Refuse answers to questions this kind does not ask (usually a typo)."""
    known = {question.name for question in questionnaire.questions_for(kind)}
    unknown = sorted(set(answers) - known - {"kind"})
    if unknown:
        raise InvalidAnswerError(
            f"'{unknown[0]}' is not a question of the {kind} template",
            hint=f"`genai-scaffold list` shows each kind's questions; {kind} asks: "
            + ", ".join(sorted(known)),
        )
