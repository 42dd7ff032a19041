"""The forgetting check's data: general English that the base model never trained on.

Adapting a model to a narrow domain can wear away what its base model knew. `evaluate`
scores the base model and the adapter on these paragraphs (the opening of *Persuasion*,
the novel held out of the demo base model's pretraining; loss on every token) beside the
domain test set: if the adapter's general-text perplexity rises well above the base
model's, fine-tuning has overwritten general language ability, and a lower learning
rate, fewer epochs or a smaller rank is worth trying.
"""

from __future__ import annotations

from .corpus import load_corpus
from .data import Example

PARAGRAPHS = 40


def general_examples() -> list[Example]:
    """The first paragraphs of the held-out novel, one example each."""
    return [Example(text=text) for text in load_corpus().held_out[:PARAGRAPHS]]
