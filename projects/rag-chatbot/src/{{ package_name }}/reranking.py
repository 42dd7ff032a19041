"""Cross-encoder reranking: score each (question, chunk) pair jointly, reorder the candidates.

A bi-encoder or BM25 scores the question and a chunk separately; a cross-encoder reads
them together and ranks far better, at the price of one model call per candidate. It
plugs into the retriever as a LangChain `BaseDocumentCompressor`, so any other LangChain
compressor can take its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import ConfigDict, PrivateAttr

from .config import RerankerSettings
from .errors import MissingExtraError


class CrossEncoderReranker(BaseDocumentCompressor):
    """A sentence-transformers `CrossEncoder` (the `sentence-transformers` extra).

    The model loads on first use. Each returned Document carries `rerank_score`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_name: str
    batch_size: int = 32
    _model: Any = PrivateAttr(default=None)

    def _load(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import CrossEncoder
            except ImportError:
                raise MissingExtraError(
                    "reranker kind 'cross-encoder' needs its extra: "
                    "pip install -e '.[sentence-transformers]'"
                ) from None
            self._model = CrossEncoder(self.model_name)
        return self._model

    def compress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """The documents, best first by the cross-encoder's score; ties keep their order."""
        if not documents:
            return []
        scores = self._load().predict(
            [(query, document.page_content) for document in documents],
            batch_size=self.batch_size,
            show_progress_bar=False,
        )
        ranked = sorted(
            zip(documents, (float(score) for score in scores), strict=True),
            key=lambda pair: -pair[1],
        )
        return [
            Document(
                page_content=document.page_content,
                metadata={**document.metadata, "rerank_score": score},
                id=document.id,
            )
            for document, score in ranked
        ]


def build_reranker(settings: RerankerSettings) -> BaseDocumentCompressor | None:
    """The configured reranker, or None to keep the fused order."""
    if settings.kind == "cross-encoder":
        return CrossEncoderReranker(model_name=settings.model, batch_size=settings.batch_size)
    return None
