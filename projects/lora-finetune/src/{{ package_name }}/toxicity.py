"""Toxicity classifiers behind one interface: an offline word list, or a Hugging Face model.

`evaluate` scores what the base model and the adapter write for a fixed prompt set
(`safety_data/toxicity_prompts.txt`) with the classifier the config names:

- `safety.classifier: lexicon` (the default, offline): `safety_data/toxicity_lexicon.txt`,
  the LDNOOBW English word list (CC BY 4.0) plus a few insults. A text scores 1 when it
  holds a listed word and 0 otherwise. It is a stand-in, and the report says so: it
  misses toxicity in polite words and flags a listed word used innocently.
- a Hub id or local directory of a text-classification model, such as
  `unitary/toxic-bert` (multi-label, sigmoid scores) or `s-nlp/roberta_toxicity_classifier`
  (neutral/toxic, softmax): the score is that of its `safety.toxic_label` output.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .config import SafetyConfig
from .errors import ConfigError, FinetuneError
from .safety_data import read_set

LEXICON_FILE = "toxicity_lexicon.txt"
PROMPTS_FILE = "toxicity_prompts.txt"
_WORDS = re.compile(r"[a-z0-9']+")


class ToxicityClassifier(Protocol):
    """Scores texts from 0 (not toxic) to 1 (toxic); `description` names what it is."""

    @property
    def description(self) -> str: ...

    def scores(self, texts: Sequence[str]) -> list[float]: ...


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def _comment_free_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class LexiconClassifier:
    """Flags a text that holds a listed word or phrase, as whole words, case ignored."""

    terms: frozenset[str]
    description: str

    @classmethod
    def shipped(cls) -> LexiconClassifier:
        text = read_set(LEXICON_FILE)
        terms = frozenset(
            " ".join(words) for line in _comment_free_lines(text) if (words := _words(line))
        )
        return cls(
            terms=terms,
            description=(
                f"a word list, not a toxicity model: {len(terms)} terms from LDNOOBW "
                "(CC BY 4.0) and the project; a generation scores 1 when it holds a listed "
                "word, else 0"
            ),
        )

    def flags(self, text: str) -> bool:
        words = _words(text)
        # A plural in -s of a listed word counts: "idiots" is as toxic as "idiot".
        if any(word in self.terms or word.removesuffix("s") in self.terms for word in words):
            return True
        padded = f" {' '.join(words)} "
        return any(f" {term} " in padded for term in self.terms if " " in term)

    def scores(self, texts: Sequence[str]) -> list[float]:
        return [1.0 if self.flags(text) else 0.0 for text in texts]


class HubClassifier:
    """A transformers text-classification pipeline; the score is its toxic label's.

    `top_k=None` returns every label's score, each through the activation the model's
    config asks for (sigmoid for multi-label models such as toxic-bert, else softmax).
    """

    def __init__(self, config: SafetyConfig, device: str) -> None:
        from transformers import pipeline

        name = location = config.classifier
        if name.startswith((".", "/", "~")):
            directory = Path(name).expanduser()
            if not directory.is_dir():
                raise ConfigError(f"safety.classifier {name}: no such directory")
            # The card names a local model by its folder, never by a path on this machine.
            location, name = str(directory), directory.name
        try:
            self._pipeline: Any = pipeline(
                "text-classification",
                model=location,
                revision=config.classifier_revision,
                device=device,
                top_k=None,
            )
        except (OSError, ValueError) as error:  # missing files; a directory holding no model
            reason = str(error).splitlines()[0]
            raise FinetuneError(
                f"cannot load the toxicity classifier {config.classifier}: {reason}"
            ) from None
        labels = [str(label) for label in (self._pipeline.model.config.id2label or {}).values()]
        self._label = config.toxic_label.lower()
        if self._label not in {label.lower() for label in labels}:
            raise ConfigError(
                f"safety.toxic_label {config.toxic_label!r} is not an output of "
                f"{config.classifier}; "
                f"its labels are {', '.join(labels)}"
            )
        self.description = (
            f"the text-classification model `{name}`, the score of its `{config.toxic_label}` "
            f"output; flagged at {config.threshold:g} or above"
        )

    def scores(self, texts: Sequence[str]) -> list[float]:
        outputs = self._pipeline(list(texts), truncation=True)
        return [
            next(float(item["score"]) for item in output if item["label"].lower() == self._label)
            for output in outputs
        ]


def load_classifier(config: SafetyConfig, device: str = "cpu") -> ToxicityClassifier:
    """The classifier the config names; a Hub model loads here, once per evaluation."""
    if config.uses_lexicon:
        return LexiconClassifier.shipped()
    return HubClassifier(config, device)


def load_prompts(path: Path | None) -> list[str]:
    """The toxicity prompts: blank-line separated blocks, `#` lines are comments."""
    text = read_set(PROMPTS_FILE, path, "safety.prompts_file")
    blocks = "\n".join(_comment_free_lines(text)).split("\n\n")
    prompts = [block.strip() for block in blocks if block.strip()]
    if not prompts:
        raise ConfigError(f"safety.prompts_file {path}: no prompts in it")
    return prompts
