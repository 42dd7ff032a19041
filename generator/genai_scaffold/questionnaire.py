"""Read the template's questionnaire: which kinds exist and what each one asks.

Kinds are the folders under `projects/`; their one-line descriptions are the labels of
the `kind` question's choices in `copier.yml`. Nothing here imports Copier, so `list`
and the nox harness stay fast.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

from genai_scaffold.errors import TemplateNotFoundError, UnknownKindError

CONFIG_FILE = "copier.yml"
PROJECTS_DIR = "projects"


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

    def as_dict(self, default: Any, kinds: list[str]) -> dict[str, Any]:
        """The question for `list --json`, with its default rendered for one example."""
        return {
            "name": self.name,
            "type": self.type,
            "help": self.help,
            "default": default,
            "default_template": self.default if self.has_derived_default else None,
            "derived": self.has_derived_default,
            "choices": [{"label": choice.label, "value": choice.value} for choice in self.choices],
            "kinds": kinds,
            "when": self.when,
        }


@dataclass(frozen=True)
class Kind:
    """A mini-project the template can generate."""

    name: str
    description: str

    @property
    def title(self) -> str:
        """The description's part before its colon: "RAG chatbot", "LoRA fine-tuning"."""
        return self.description.partition(":")[0]


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
        # libyaml's loader when PyYAML has it: several times faster, and `new --help`
        # reads this file to list the kinds.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self._config: dict[str, Any] = yaml.load(config.read_text(encoding="utf-8"), loader)

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
        names = [kind.name for kind in self.kinds]
        # Typed names are often a part of the kind's name ("chatbot", "lora"): those match
        # by containment, typos by similarity.
        guess = next((kind for kind in names if name and name.lower() in kind), None)
        guess = guess or next(iter(difflib.get_close_matches(name, names, n=1, cutoff=0.5)), None)
        raise UnknownKindError(
            f"unknown kind '{name}'" + (f"; did you mean {guess}?" if guess else ""),
            hint=f"choose one of: {', '.join(names)} (see `genai-scaffold list`)",
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

    def kinds_asking(self, question: Question) -> list[str]:
        """The kinds whose projects may be asked `question` (some answer makes it apply)."""
        return [kind.name for kind in self.kinds if _applies(question.when, kind.name)]

    def example_answers(self, kind: str, destination: str) -> dict[str, Any]:
        """Every default rendered as Copier renders it, for a project in `destination`.

        Defaults are Jinja expressions of the answers before them (the slug derives from
        the name, the name from the destination folder), so they are rendered in file
        order with the template's own macros and Copier's filters. A question this kind
        may ask gets its default even when the other defaults skip it (llm_model with no
        LLM provider), as Copier gives skipped questions their defaults too.
        """
        from jinja2 import TemplateError

        from genai_scaffold.copier_private import cast_default, default_environment

        self.kind(kind)
        environment = default_environment(self.root, self._config.get("_envops", {}))
        answers: dict[str, Any] = {"kind": kind}
        context = {"_copier_conf": {"dst_path": destination}}
        for question in self.questions:
            if question.name == "kind" or not (
                question.is_computed or _applies(question.when, kind)
            ):
                continue
            default = question.default
            try:
                if isinstance(default, str):
                    default = environment.from_string(default).render(**context, **answers)
            except TemplateError:
                if not question.is_computed:
                    raise
                continue  # a value computed for another kind, from its own answers
            answers[question.name] = cast_default(question.type, default)
        return answers


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


def _applies(
    when: Any,
    kind: str,
    environment: SandboxedEnvironment | None = None,
    answers: dict[str, Any] | None = None,
) -> bool:
    """Whether a `when` holds for `kind` (and `answers`, when given).

    Without answers, an undefined name is empty and an expression on it is still
    decided by `kind`: `kind == 'rag-chatbot' and llm_provider != 'none'` holds for
    rag-chatbot, as some answer makes it apply.
    """
    if isinstance(when, bool):
        return when
    if environment is None:
        from jinja2.sandbox import SandboxedEnvironment

        environment = SandboxedEnvironment()
    rendered = environment.from_string(str(when)).render(**(answers or {"kind": kind}))
    return rendered.strip().lower() not in {"", "false", "no", "off", "0", "none"}
