"""Read the template's questionnaire: which kinds exist and what each one asks.

Kinds are the folders under `projects/`; their one-line descriptions are the labels of
the `kind` question's choices in `copier.yml`. Nothing here imports Copier, so `list`
and the nox harness stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from genai_scaffold.errors import TemplateNotFoundError, UnknownKindError

CONFIG_FILE = "copier.yml"
PROJECTS_DIR = "projects"

# Free-text answers that exercise what defaults leave out: a Unicode name (slug and
# package derivation), an email and a GitHub user (badges and project URLs).
RICH_TEXT_ANSWERS: dict[str, str] = {
    "project_name": "Café Ünïcode Bøt — 日本",
    "author_name": "Zoë Ångström",
    "author_email": "zoe@example.org",
    "github_user": "zoe-dev",
}


@dataclass(frozen=True)
class Choice:
    """One allowed answer: `value` is stored, `label` is what the prompt shows."""

    value: Any
    label: str


@dataclass(frozen=True)
class Question:
    """A question of copier.yml, as written there (defaults are not rendered)."""

    name: str
    type: str
    help: str
    default: Any
    choices: tuple[Choice, ...]
    when: Any

    @property
    def is_computed(self) -> bool:
        """`when: false` marks a derived value that is never asked nor saved."""
        return self.when is False

    @property
    def has_derived_default(self) -> bool:
        """The default is a Jinja expression of other answers (e.g. slug from name)."""
        return isinstance(self.default, str) and ("{{" in self.default or "{%" in self.default)

    def alternatives(self) -> list[Any]:
        """Every answer other than the default that a choice or yes/no question allows."""
        if self.type == "bool":
            return [not self.default]
        return [choice.value for choice in self.choices if choice.value != self.default]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "help": self.help,
            "default": self.default,
            "derived": self.has_derived_default,
            "choices": [choice.value for choice in self.choices],
        }


@dataclass(frozen=True)
class Kind:
    """A mini-project the template can generate."""

    name: str
    description: str


class Questionnaire:
    """The questions and kinds of one template checkout (a folder with copier.yml)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        config = root / CONFIG_FILE
        if not config.is_file():
            raise TemplateNotFoundError(
                f"{root} is not a genai-scaffold template (no {CONFIG_FILE})",
                hint="pass --template with a path or git URL of a genai-scaffold template",
            )
        self._config: dict[str, Any] = yaml.safe_load(config.read_text(encoding="utf-8"))

    @cached_property
    def questions(self) -> list[Question]:
        """Every question in file order, settings (keys starting with `_`) left out."""
        return [
            _parse_question(name, spec)
            for name, spec in self._config.items()
            if not name.startswith("_")
        ]

    @cached_property
    def kinds(self) -> list[Kind]:
        """The kinds found under projects/, described by the `kind` question's labels."""
        projects = self.root / PROJECTS_DIR
        labels = {
            choice.value: choice.label
            for question in self.questions
            if question.name == "kind"
            for choice in question.choices
        }
        found = sorted(path.name for path in projects.iterdir() if path.is_dir())
        return [Kind(name, labels.get(name, "")) for name in found]

    def kind(self, name: str) -> Kind:
        """Look a kind up by name; an unknown name lists the known ones."""
        for kind in self.kinds:
            if kind.name == name:
                return kind
        known = ", ".join(kind.name for kind in self.kinds)
        raise UnknownKindError(
            f"unknown kind '{name}'", hint=f"choose one of: {known} (see `genai-scaffold list`)"
        )

    def questions_for(self, kind: str) -> list[Question]:
        """The questions a project of `kind` is asked, `kind` itself left out.

        A question applies when its `when` renders true with this kind and the other
        answers unknown: a question that depends on another answer is listed, since
        some answer makes it apply.
        """
        self.kind(kind)
        return [
            question
            for question in self.questions
            if question.name != "kind"
            and not question.is_computed
            and _applies(question.when, kind)
        ]

    def answer_sets(self, kind: str) -> dict[str, dict[str, Any]]:
        """Named answer sets that, together, give every choice of every question once.

        `defaults` is empty (every default). `variant-N` takes the N-th alternative of
        each choice and yes/no question that has one; `variant-1` also carries
        Unicode and non-empty free-text answers.
        """
        alternatives = {
            question.name: question.alternatives() for question in self.questions_for(kind)
        }
        variants = max((len(values) for values in alternatives.values()), default=0)
        sets: dict[str, dict[str, Any]] = {"defaults": {}}
        for index in range(max(variants, 1)):
            answers = {
                name: values[index] for name, values in alternatives.items() if index < len(values)
            }
            if index == 0:
                answers |= {
                    name: value for name, value in RICH_TEXT_ANSWERS.items() if name in alternatives
                }
            sets[f"variant-{index + 1}"] = answers
        return sets


def _parse_question(name: str, spec: Any) -> Question:
    if not isinstance(spec, dict):  # the short form `name: default`
        spec = {"default": spec}
    raw_choices = spec.get("choices") or []
    pairs = raw_choices.items() if isinstance(raw_choices, dict) else ((c, c) for c in raw_choices)
    choices = tuple(Choice(value=value, label=str(label)) for label, value in pairs)
    return Question(
        name=name,
        type=str(spec.get("type", "str")),
        help=" ".join(str(spec.get("help", "")).split()),
        default=spec.get("default"),
        choices=choices,
        when=spec.get("when", True),
    )


def _applies(when: Any, kind: str) -> bool:
    if isinstance(when, bool):
        return when
    from jinja2.sandbox import SandboxedEnvironment

    rendered = SandboxedEnvironment().from_string(str(when)).render(kind=kind)
    return rendered.strip().lower() not in {"", "false", "no", "off", "0", "none"}
