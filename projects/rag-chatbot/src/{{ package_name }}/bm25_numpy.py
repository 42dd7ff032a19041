"""BM25 at query time with NumPy alone: a saved bm25s index, and BM25 over a few sentences.

bm25s precomputes every (term, chunk) score at index time and saves them as the three
arrays of a compressed sparse column matrix, one column per term. A query only sums the
columns of its terms, which needs NumPy, not bm25s: importing bm25s imports
scipy.sparse, a third of a cold offline `ask`. Ingest still builds and saves the index
with bm25s (`LexicalIndex.build`); tests check both give bm25s's scores.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

# bm25s's file names (its `save` defaults) and the one scoring method whose saved scores
# are complete: variants such as BM25L also add a score for absent terms, kept apart.
_ARRAYS = ("data", "indices", "indptr")
_METHODS = frozenset({"lucene", "robertson", "atire"})


class SavedBM25:
    """The vocabulary and score matrix of a saved bm25s index; `get_scores` as bm25s's."""

    def __init__(self, vocab_dict: dict[str, int], scores: dict[str, Any]) -> None:
        self.vocab_dict = vocab_dict
        self.scores = scores

    @classmethod
    def load(cls, folder: Path) -> SavedBM25:
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method", "lucene") not in _METHODS:
            raise ValueError(f"{folder}: BM25 method {params['method']!r} is not supported")
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        scores: dict[str, Any] = {
            name: np.load(folder / f"{name}.csc.index.npy", allow_pickle=False) for name in _ARRAYS
        }
        scores["num_docs"] = int(params["num_docs"])
        return cls(vocab, scores)

    def get_scores(self, query_tokens_single: list[str]) -> np.ndarray:
        """Each document's BM25 score for the tokens (repeats count again, unknown ones not)."""
        data, indices, indptr = (self.scores[name] for name in _ARRAYS)
        ids = [self.vocab_dict[token] for token in query_tokens_single if token in self.vocab_dict]
        result = np.zeros(self.scores["num_docs"], dtype=data.dtype)
        if ids:
            columns = [slice(indptr[i], indptr[i + 1]) for i in ids]
            np.add.at(
                result,
                np.concatenate([indices[c] for c in columns]),
                np.concatenate([data[c] for c in columns]),
            )
        return result


def bm25_scores(
    documents: Sequence[Sequence[str]], query: Sequence[str], k1: float = 1.5, b: float = 0.75
) -> np.ndarray:
    """Each document's BM25 score for the query tokens, as bm25s's defaults compute it.

    The Lucene variant: IDF log(1 + (N - df + 0.5) / (df + 0.5)) times tf / (tf + k1 *
    (1 - b + b * length / average length)); repeated query tokens count again. For the
    extractive answerer's few dozen candidate sentences, where building a bm25s index
    would import scipy.sparse for nothing.
    """
    total = len(documents)
    frequencies = Counter(token for document in documents for token in set(document))
    average = sum(map(len, documents)) / max(total, 1) or 1.0
    columns: dict[str, np.ndarray] = {}
    for token in dict.fromkeys(query):
        if token not in frequencies:
            continue
        idf = math.log(1 + (total - frequencies[token] + 0.5) / (frequencies[token] + 0.5))
        column = np.zeros(total, dtype=np.float32)
        for i, document in enumerate(documents):
            tf = document.count(token)
            if tf:
                norm = k1 * ((1 - b) + b * len(document) / average)
                column[i] = idf * tf / (norm + tf)
        columns[token] = column
    result = np.zeros(total, dtype=np.float32)
    for token in query:
        if token in columns:
            result += columns[token]
    return result
