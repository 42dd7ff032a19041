"""The hybrid search as a LangChain retriever, with the optional reranker.

A module of its own: `langchain_core.retrievers` imports LangChain's tracers and the
LangSmith client (most of a second on a cold start), which the offline `ask` never needs.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import BaseDocumentCompressor, Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .config import RetrievalSettings
from .hybrid_search import DenseRetriever, LexicalIndex, rank_documents, rescore_by_sentences


class HybridRetriever(BaseRetriever):
    """BM25, plus dense search when configured, fused by RRF, then the optional reranker.

    A LangChain retriever: `invoke(question)` returns `Document`s whose metadata carry
    `source`, `title`, `heading`, `chunk_id`, `score` and `relevance` (see
    `rank_documents`). Runs show up in callbacks and LangSmith traces like any retriever,
    and `ainvoke` runs the search in a worker thread, off the event loop.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    lexical: LexicalIndex
    settings: RetrievalSettings
    dense: DenseRetriever | None = None
    reranker: BaseDocumentCompressor | None = None
    """Reorders (and may drop) the fused candidates before the cut to top_k."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        """The top `k` chunks (top_k from the settings unless given) as Documents."""
        documents = rank_documents(query, self.lexical, self.settings, self.dense)
        if self.reranker is not None and documents:
            documents = list(
                self.reranker.compress_documents(
                    documents, query, callbacks=run_manager.get_child()
                )
            )
        documents = documents[: k or self.settings.top_k]
        if self.dense is not None and self.dense.embeddings is not None:
            documents = rescore_by_sentences(query, documents, self.dense.embeddings)
        return documents
