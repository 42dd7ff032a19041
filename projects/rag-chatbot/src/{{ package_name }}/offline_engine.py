"""The offline `ask`: local retrieval and the extractive answer, without LangChain's runnables.

With no chat model and no reranker configured, and embeddings that run in this process
(`local`) or none, the answer chain (`chain.py`) runs only local steps. Running them as
an LCEL Runnable costs a cold process most of a second before the first question,
because `langchain_core`'s retriever and runnable modules import its tracers and, through
them, the LangSmith client. A CLI `ask` with nobody tracing it gets nothing for that, so
it answers here, with the same rules (`answer_rules.py`), the same ranking
(`hybrid_search.rank_documents`) and the same history file; tests check both give the same
answers. As soon as a LangSmith or LangChain tracing variable is set, `ask` runs the
chain, so traces see every step.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from .answer_rules import (
    ABSTAIN_MESSAGE,
    Answer,
    check_question,
    condense_offline,
    make_answer,
    should_abstain,
)
from .config import Settings
from .generation import ExtractiveAnswerer
from .history_store import HistoryStore
from .hybrid_search import (
    DenseRetriever,
    LexicalIndex,
    open_dense,
    rank_documents,
    rescore_by_sentences,
)
from .index import IndexStore

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

# Any of these set (to anything but a false value) means someone may be tracing runs:
# LangSmith reads the first four, langchain_core's callback manager also the fifth.
TRACING_VARIABLES = (
    "LANGSMITH_TRACING_V2",
    "LANGCHAIN_TRACING_V2",
    "LANGSMITH_TRACING",
    "LANGCHAIN_TRACING",
    "LANGCHAIN_HANDLER",
)
_FALSE = frozenset({"", "0", "false", "False"})


def tracing_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment turns on LangSmith or LangChain tracing (leaning to yes)."""
    return any(environ.get(name, "").strip() not in _FALSE for name in TRACING_VARIABLES)


def answers_offline(settings: Settings, environ: Mapping[str, str] = os.environ) -> bool:
    """True when an answer needs only local steps and nobody traces the run."""
    return (
        settings.llm.provider == "none"
        and settings.embeddings.provider in ("none", "local")
        and settings.vector_store.kind == "embedded"
        and settings.reranker.kind == "none"
        and not tracing_requested(environ)
    )


class OfflineEngine:
    """Answers one question after another, as `ChatEngine.ask` does offline."""

    def __init__(
        self,
        lexical: LexicalIndex,
        settings: Settings,
        history: HistoryStore,
        dense: DenseRetriever | None = None,
    ) -> None:
        self.lexical = lexical
        self.dense = dense
        self.settings = settings
        self.history = history
        self.extractive = ExtractiveAnswerer(embeddings=dense.embeddings if dense else None)

    @classmethod
    def load(cls, settings: Settings, history: HistoryStore) -> OfflineEngine:
        """Load the current index; raises IndexNotFoundError when nothing was ingested."""
        snapshot = IndexStore(settings.index_dir).load()
        dense = None
        if settings.embeddings.provider == "local":
            from .local_encoder import LocalEncoder

            encoder = LocalEncoder(settings.embeddings.model, settings.embeddings.batch_size)
            dense = open_dense(snapshot, settings, cast("Embeddings", encoder))
        return cls(LexicalIndex.load(snapshot.path, snapshot.chunks), settings, history, dense)

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        """Condense, retrieve, abstain or answer extractively, and save the turn."""
        question = check_question(question, self.settings.max_question_chars)
        if session_id is not None:
            self.history.check_id(session_id)
        started = time.perf_counter()
        standalone = condense_offline(question, self.history.turns(session_id))
        retrieval = self.settings.retrieval
        documents = rank_documents(standalone, self.lexical, retrieval, self.dense)
        documents = documents[: retrieval.top_k]
        if self.dense is not None and self.dense.embeddings is not None:
            documents = rescore_by_sentences(standalone, documents, self.dense.embeddings)
        abstain = should_abstain(documents, retrieval.min_confidence)
        text = ABSTAIN_MESSAGE if abstain else self.extractive.answer(standalone, documents)
        answer = make_answer(text, documents, abstain=abstain, standalone_question=standalone)
        self.history.append(session_id, question, answer.answer)
        latency = round((time.perf_counter() - started) * 1000, 2)
        return replace(answer, latency_ms=latency)

    def close(self) -> None:
        """Nothing to close: no LLM client. Here so `ask` treats both engines alike."""
