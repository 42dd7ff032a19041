"""The general English the demo's base model learns from: Jane Austen's six novels.

The texts are public domain (first published 1811-1818, from Project Gutenberg), taken
from Debian's `r-cran-janeaustenr` package (MIT); `corpus/NOTICE` says how they were
extracted. Five novels teach the base model English; *Persuasion* is held out, so that
the base model's perplexity and the forgetting check are measured on text it never saw.
"""

from __future__ import annotations

import hashlib
import lzma
from dataclasses import dataclass
from functools import cache
from importlib import resources

TRAIN_FILE = "austen-train.txt.xz"
HELD_OUT_FILE = "austen-heldout.txt.xz"
DESCRIPTION = (
    "Jane Austen's novels (public domain): Sense and Sensibility, Pride and Prejudice, "
    "Mansfield Park, Emma and Northanger Abbey for training; Persuasion held out"
)


@dataclass(frozen=True)
class Corpus:
    """Paragraphs to learn from and paragraphs held out, each one line of plain text."""

    train: tuple[str, ...]
    held_out: tuple[str, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of the texts: part of the base model's cache key."""
        digest = hashlib.sha256()
        for part in (self.train, self.held_out):
            digest.update("\n\n".join(part).encode())
            digest.update(b"\0")
        return digest.hexdigest()


def _paragraphs(name: str) -> tuple[str, ...]:
    data = resources.files(__package__).joinpath("corpus", name).read_bytes()
    text = lzma.decompress(data).decode("utf-8")
    return tuple(block for block in text.split("\n\n") if block.strip())


@cache
def load_corpus() -> Corpus:
    """The shipped corpus (3.5 MB of text, 1.1 MB compressed in the package), read once."""
    return Corpus(train=_paragraphs(TRAIN_FILE), held_out=_paragraphs(HELD_OUT_FILE))
