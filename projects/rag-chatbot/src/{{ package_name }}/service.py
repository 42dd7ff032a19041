"""Wire the configured pieces (index, embeddings, vector store, LLM) into a ChatEngine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_core.documents import BaseDocumentCompressor
from langchain_core.embeddings import Embeddings

from .chain import ChatEngine
from .config import CONFIGURED, Settings
from .embeddings import build_embeddings
from .generation import ChatModels, ExtractiveAnswerer, build_chat_models
from .history_store import HistoryStore
from .hybrid_search import LexicalIndex, open_dense
from .index import IndexStore
from .langchain_retriever import HybridRetriever
from .reranking import build_reranker

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.retrievers import BaseRetriever


def build_retriever(
    settings: Settings,
    embeddings: Embeddings | None = CONFIGURED,
    reranker: BaseDocumentCompressor | None = CONFIGURED,
) -> HybridRetriever:
    """Load the current index; raises IndexNotFoundError when nothing was ingested."""
    if reranker is CONFIGURED:
        reranker = build_reranker(settings.reranker)
    snapshot = IndexStore(settings.index_dir).load()
    lexical = LexicalIndex.load(snapshot.path, snapshot.chunks)
    model = build_embeddings(settings.embeddings) if embeddings is CONFIGURED else embeddings
    dense = open_dense(snapshot, settings, model) if isinstance(model, Embeddings) else None
    return HybridRetriever(
        lexical=lexical, settings=settings.retrieval, dense=dense, reranker=reranker
    )


def build_engine(
    settings: Settings,
    *,
    chat_model: BaseChatModel | ChatModels | None = CONFIGURED,
    embeddings: Embeddings | None = CONFIGURED,
    history: HistoryStore | None = None,
    reranker: BaseDocumentCompressor | None = CONFIGURED,
    retriever: BaseRetriever | None = None,
) -> ChatEngine:
    """The engine for these settings.

    Tests pass fake chat models and embeddings; `reranker` defaults to the configured
    one (`[reranker]` in rag.toml) and takes any LangChain document compressor.
    `retriever` replaces the index on disk with any LangChain retriever (see `relevance`
    for how its documents are scored).
    """
    model = build_chat_models(settings.llm) if chat_model is CONFIGURED else chat_model
    if retriever is None:
        retriever = build_retriever(settings, embeddings, reranker)
    return ChatEngine(
        retriever,
        settings,
        chat_model=model,
        history=history,
        extractive=ExtractiveAnswerer(embeddings=in_process_encoder(settings, retriever)),
    )


def in_process_encoder(settings: Settings, retriever: BaseRetriever) -> Embeddings | None:
    """The embedding model, when it runs in this process (`local`), else None.

    The extractive answerer ranks sentences with it too; a remote model would cost a
    call per answer.
    """
    dense = getattr(retriever, "dense", None)
    if settings.embeddings.provider != "local" or dense is None:
        return None
    return dense.embeddings  # type: ignore[no-any-return]
