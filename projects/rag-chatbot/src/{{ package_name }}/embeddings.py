"""Embedding models for dense retrieval, built from settings.

The default, `local`, needs no network and no PyTorch (local_encoder.py).
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.embeddings import Embeddings

from .config import EmbeddingsSettings
from .errors import MissingExtraError
from .local_encoder import LocalEncoder


class SentenceTransformerEmbeddings(Embeddings):
    """A local sentence-transformers model (the `sentence-transformers` extra).

    The model loads on first use, so configuring it costs nothing until text is embedded.
    """

    def __init__(self, model_name: str, batch_size: int = 64, model: Any = None) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self._model = model

    def _load(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise MissingExtraError(
                    "embeddings provider 'sentence-transformers' needs its extra: "
                    "pip install -e '.[sentence-transformers]'"
                ) from None
            self._model = SentenceTransformer(self.model_name)
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self._load().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [[float(value) for value in vector] for vector in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


# The NumPy encoder has every method of the interface; it is made one here, where
# LangChain is imported anyway (see local_encoder.py for why not there).
Embeddings.register(LocalEncoder)


def build_embeddings(settings: EmbeddingsSettings) -> Embeddings | None:
    """The configured embedding model, or None when retrieval is lexical only."""
    if settings.provider == "local":
        return cast(Embeddings, LocalEncoder(settings.model, settings.batch_size))
    if settings.provider == "sentence-transformers":
        return SentenceTransformerEmbeddings(settings.model, settings.batch_size)
    if settings.provider == "openai":
        from langchain_openai import OpenAIEmbeddings

        return OpenAIEmbeddings(
            model=settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key or "not-needed",  # type: ignore[arg-type]
            chunk_size=settings.batch_size,
            # Token-length checks download a tiktoken file; OpenAI-compatible servers
            # (Ollama, vLLM, TEI) take plain strings.
            check_embedding_ctx_length=False,
        )
    return None
