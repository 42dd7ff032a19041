"""Documents from any LangChain retriever, made citable and scored for the abstention rule.

The project's own retriever (`HybridRetriever`) puts `source`, `title`, `chunk_id`,
`score` and `relevance` in every Document's metadata. A stock one does not: LangChain's
`VectorStoreRetriever`, for one, returns the stored metadata and no score at all, and a
missing relevance read as 0 would decline every question. Here each document gets the
fields it lacks, and a relevance:

- its retriever's own, when the document carries `relevance` or `relevance_score` between
  0 and 1 (LangChain's rerankers, Cohere's and FlashRank's, write `relevance_score`);
- otherwise the share of the question's search terms (stemmed, stop words dropped) that
  the document's title, heading and text contain. A question the documents never mention
  still scores near 0 and is declined; one whose words they hold is answered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from numbers import Real
from pathlib import PurePath
from typing import Any

from langchain_core.documents import Document

from .text import tokenize

SCORE_KEYS = ("relevance", "relevance_score")
"""Metadata keys read as the retriever's relevance, in order, when they hold 0 to 1."""


def lexical_relevance(question: str, document: Document) -> float:
    """The share of the question's distinct search terms that the document contains."""
    wanted = set(tokenize(question))
    if not wanted:
        return 0.0
    meta = document.metadata
    text = f"{meta.get('title', '')}\n{meta.get('heading', '')}\n{document.page_content}"
    return len(wanted & set(tokenize(text))) / len(wanted)


def _unit_score(value: Any) -> float | None:
    """A number from 0 to 1 (numpy's too), or None: another scale cannot meet the threshold."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    score = float(value)
    return score if 0 <= score <= 1 else None


def citable(documents: Sequence[Document], question: str) -> list[Document]:
    """The documents with `source`, `title`, `chunk_id`, `score` and `relevance` all set.

    Fields a document already has are kept; the project's own documents pass unchanged.
    """
    prepared = []
    for number, document in enumerate(documents, start=1):
        meta = dict(document.metadata)
        relevance = next(
            (score for key in SCORE_KEYS if (score := _unit_score(meta.get(key))) is not None),
            None,
        )
        if relevance is None:
            relevance = lexical_relevance(question, document)
        source = str(meta.get("source") or document.id or f"document {number}")
        content_hash = hashlib.sha256(f"{source}\n{document.page_content}".encode()).hexdigest()
        # Strings whatever the store kept (a Path, a number): the API's sources are text.
        meta["title"] = str(meta.get("title") or PurePath(source).name or source)
        meta["heading"] = str(meta.get("heading") or "")
        meta["chunk_id"] = str(meta.get("chunk_id") or document.id or content_hash[:16])
        if not isinstance(meta.get("score"), Real):
            meta["score"] = relevance
        meta.update(source=source, relevance=relevance)
        prepared.append(Document(page_content=document.page_content, metadata=meta, id=document.id))
    return prepared
