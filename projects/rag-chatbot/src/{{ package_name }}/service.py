"""Wire the configured pieces (index, embeddings, vector store, LLM) into a ChatEngine."""

from __future__ import annotations

from langchain_core.documents import BaseDocumentCompressor
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from .chain import ChatEngine
from .config import CONFIGURED, Settings
from .embeddings import build_embeddings
from .errors import ConfigError
from .generation import build_chat_model
from .history import HistoryStore
from .index import IndexStore
from .retrieval import DenseRetriever, HybridRetriever, LexicalIndex
from .vectorstores import open_vector_index


def build_retriever(
    settings: Settings,
    embeddings: Embeddings | None = CONFIGURED,
    reranker: BaseDocumentCompressor | None = None,
) -> HybridRetriever:
    """Load the current index; raises IndexNotFoundError when nothing was ingested."""
    snapshot = IndexStore(settings.index_dir).load()
    lexical = LexicalIndex.load(snapshot.path, snapshot.chunks)
    model = build_embeddings(settings.embeddings) if embeddings is CONFIGURED else embeddings
    dense = None
    if isinstance(model, Embeddings):
        if snapshot.embedding_model != settings.embeddings.model:
            raise ConfigError(
                f"the index was built without embeddings model '{settings.embeddings.model}': "
                "run `ingest` again to add its vectors"
            )
        vectors = open_vector_index(model, settings.vector_store, snapshot.path)
        dense = DenseRetriever(vectors, snapshot.chunks)
    return HybridRetriever(
        lexical=lexical, settings=settings.retrieval, dense=dense, reranker=reranker
    )


def build_engine(
    settings: Settings,
    *,
    chat_model: BaseChatModel | None = CONFIGURED,
    embeddings: Embeddings | None = CONFIGURED,
    history: HistoryStore | None = None,
    reranker: BaseDocumentCompressor | None = None,
) -> ChatEngine:
    """The engine for these settings.

    Tests pass fake chat models and embeddings; `reranker` is the hook for a
    cross-encoder or any other reordering of the fused hits.
    """
    model = build_chat_model(settings.llm) if chat_model is CONFIGURED else chat_model
    return ChatEngine(
        build_retriever(settings, embeddings, reranker),
        settings,
        chat_model=model if isinstance(model, BaseChatModel) else None,
        history=history,
    )
