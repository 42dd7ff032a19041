"""Near-copy check: how close each held-out example comes to any training example.

A test example that is a light edit of a training example measures memory, not skill:
its loss and scores flatter the adapter. The measure is the Jaccard similarity of word
3-grams (shared 3-grams over all distinct 3-grams of the two texts), taken against every
training example; an example's score is its highest. At or above `NEAR_COPY` it counts as
a near-copy. `prepare` writes the figures to `near_copies.json` beside the splits, warns
when there are near-copies, and the report and model card quote the maximum.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .data import Example

logger = logging.getLogger(__name__)

NGRAM = 3
# Half of all distinct 3-grams shared: two texts that close differ by a few words, a
# different number or a swapped clause, the way a template fills its slots.
NEAR_COPY = 0.5
FILE_NAME = "near_copies.json"
WORD = re.compile(r"\w+")


def shingles(text: str, n: int = NGRAM) -> frozenset[str]:
    """The distinct word n-grams of a text, case-folded; a shorter text is one n-gram."""
    words = WORD.findall(text.casefold())
    if len(words) < n:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def example_text(example: Example) -> str:
    """What an example says: its user and assistant turns, or its text.

    A system prompt is left out: `data.system_prompt` puts the same one in every example,
    which would make all of them look alike.
    """
    if example.text is not None:
        return example.text
    return "\n".join(m["content"] for m in example.messages if m["role"] != "system")


class TrainIndex:
    """The training texts' 3-grams, indexed to score held-out texts against all of them.

    Exact, not estimated: an inverted index from 3-gram to training texts counts the shared
    3-grams of only the pairs that share any, so the cost follows the overlap rather than
    held-out x train. Data whose examples share boilerplate (one instruction in every
    prompt) approaches all pairs; past tens of thousands of examples, an approximate
    MinHash index would be the next step.
    """

    def __init__(self, train: Sequence[str]) -> None:
        self._sizes = []
        self._index: dict[str, list[int]] = defaultdict(list)
        for position, text in enumerate(train):
            grams = shingles(text)
            self._sizes.append(len(grams))
            for gram in grams:
                self._index[gram].append(position)

    def closest(self, text: str) -> float:
        """The highest Jaccard similarity of `text` to any training text (0 if none shares)."""
        grams = shingles(text)
        shared = Counter(p for gram in grams for p in self._index.get(gram, ()))
        return max(
            (count / (len(grams) + self._sizes[p] - count) for p, count in shared.items()),
            default=0.0,
        )


def max_similarities(held_out: Sequence[str], train: Sequence[str]) -> list[float]:
    """For each held-out text, its highest 3-gram Jaccard against any training text."""
    index = TrainIndex(train)
    return [index.closest(text) for text in held_out]


def measure(splits: dict[str, list[Example]]) -> dict[str, Any]:
    """Validation and test against train: the maximum, the median and the near-copy count."""
    train = [example_text(example) for example in splits["train"]]
    figures: dict[str, Any] = {"measure": f"word {NGRAM}-gram Jaccard", "threshold": NEAR_COPY}
    for name in ("validation", "test"):
        scores = sorted(max_similarities([example_text(e) for e in splits[name]], train))
        figures[name] = {
            "examples": len(scores),
            "max": scores[-1] if scores else 0.0,
            "median": scores[len(scores) // 2] if scores else 0.0,
            "near_copies": sum(score >= NEAR_COPY for score in scores),
        }
    return figures


def check_splits(splits: dict[str, list[Example]], directory: Path) -> dict[str, Any]:
    """Measure the splits, write near_copies.json, and warn about any near-copies."""
    figures = measure(splits)
    (directory / FILE_NAME).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    for name in ("validation", "test"):
        split = figures[name]
        if split["near_copies"]:
            logger.warning(
                "%d of %d %s examples are near-copies of training examples (word %d-gram "
                "Jaccard >= %.2f, highest %.2f): held-out figures will flatter the model; "
                "move them to train or drop them",
                split["near_copies"],
                split["examples"],
                name,
                NGRAM,
                NEAR_COPY,
                split["max"],
            )
    return figures


def read_figures(directory: Path) -> dict[str, Any] | None:
    """The figures prepare wrote, or None for splits prepared before the check existed."""
    try:
        figures: dict[str, Any] = json.loads((directory / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return figures


def describe(figures: dict[str, Any]) -> str:
    """One sentence for the report and the model card."""
    test = figures["test"]
    return (
        f"Near-copies: the highest word {NGRAM}-gram Jaccard similarity between a test example "
        f"and any training example is {test['max']:.2f} (median {test['median']:.2f}); "
        f"{test['near_copies']} of {test['examples']} test examples reach "
        f"{figures['threshold']:.2f}, the near-copy threshold."
    )
