"""The forgetting check's data: everyday English that no domain dataset contains.

Adapting a model to a narrow domain can wear away what its base model knew. `evaluate`
scores the base model and the adapter on these paragraphs (shipped with the package,
written for it, loss on every token) beside the domain test set: if the adapter's
general-text perplexity rises well above the base model's, fine-tuning has overwritten
general language ability, and a lower learning rate, fewer epochs or a smaller rank
is worth trying.
"""

from __future__ import annotations

from importlib import resources

from .data import Example

GENERAL_TEXT = "general_text.txt"


def general_examples() -> list[Example]:
    """The shipped general-text paragraphs, one example each."""
    text = resources.files(__package__).joinpath(GENERAL_TEXT).read_text(encoding="utf-8")
    return [Example(text=block.strip()) for block in text.split("\n\n") if block.strip()]
