"""Vector indexes for dense retrieval: a file inside the index folder, or a Qdrant server."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .config import VectorStoreSettings
from .documents import Chunk
from .errors import MissingExtraError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

VECTORS_FILE = "vectors.npy"
VECTOR_IDS_FILE = "vector-ids.json"
# Qdrant's local mode locks its folder: one client per folder per process, shared.
_LOCAL_CLIENTS: dict[Path, Any] = {}
_LOCAL_LOCK = threading.Lock()


class VectorIndex(Protocol):
    """The four operations ingest and retrieval need from a vector store."""

    def add(self, chunks: Sequence[Chunk]) -> None: ...

    def delete(self, chunk_ids: Sequence[str]) -> None: ...

    def search(self, query: str, k: int) -> list[tuple[str, float]]: ...

    def save(self, folder: Path) -> None: ...


class EmbeddedVectorIndex:
    """Unit-length vectors in a NumPy matrix, saved beside the BM25 index.

    No server is needed, a search is one matrix-vector product (exact cosine similarity;
    an approximate index such as HNSW pays only past a few hundred thousand chunks), and
    loading is a memory-mapped read rather than a parse. Each ingest embeds only new or
    changed chunks because the previous vectors are carried over.
    """

    def __init__(self, embeddings: Embeddings, folder: Path | None = None) -> None:
        self._embeddings = embeddings
        self._ids: list[str] = []
        self._vectors = np.zeros((0, 0), np.float32)
        if folder is not None and (folder / VECTORS_FILE).is_file():
            self._ids = json.loads((folder / VECTOR_IDS_FILE).read_text(encoding="utf-8"))
            self._vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")

    def add(self, chunks: Sequence[Chunk]) -> None:
        if not chunks:
            return
        added = _unit_rows(self._embeddings.embed_documents([c.search_text for c in chunks]))
        replaced = {chunk.chunk_id for chunk in chunks}
        self.delete(list(replaced & set(self._ids)))
        self._vectors = added if not self._ids else np.vstack([self._vectors, added])
        self._ids += [chunk.chunk_id for chunk in chunks]

    def delete(self, chunk_ids: Sequence[str]) -> None:
        gone = set(chunk_ids)
        keep = [i for i, chunk_id in enumerate(self._ids) if chunk_id not in gone]
        if len(keep) < len(self._ids):
            self._vectors = np.asarray(self._vectors)[keep]
            self._ids = [self._ids[i] for i in keep]

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self._ids:
            return []
        similarity = self._vectors @ _unit_rows([self._embeddings.embed_query(query)])[0]
        top = np.argsort(-similarity, kind="stable")[:k]
        return [(self._ids[i], float(similarity[i])) for i in top]

    def save(self, folder: Path) -> None:
        np.save(folder / VECTORS_FILE, np.asarray(self._vectors, np.float32))
        (folder / VECTOR_IDS_FILE).write_text(json.dumps(self._ids), encoding="utf-8")


def _unit_rows(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    """Rows scaled to length 1, so a dot product is the cosine similarity."""
    matrix = np.asarray(vectors, np.float32)
    unit: np.ndarray = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return unit


class QdrantVectorIndex:
    """A Qdrant collection (the `qdrant` extra): for corpora that outgrow one process.

    Qdrant point ids must be integers or UUIDs, so chunk ids map to UUIDv5 and travel in
    the payload. Writes go straight to the server; `save` has nothing to write locally.
    With `vector_store.path` set, qdrant-client's local mode keeps the collection in that
    folder through the same API, with no server to run.
    """

    def __init__(
        self, embeddings: Embeddings, settings: VectorStoreSettings, client: Any = None
    ) -> None:
        try:
            from qdrant_client import QdrantClient, models
        except ImportError:
            raise MissingExtraError(
                "vector_store.kind 'qdrant' needs the qdrant extra: pip install -e '.[qdrant]'"
            ) from None
        self._models = models
        self._embeddings = embeddings
        self._collection = settings.collection
        api_key = settings.api_key.get_secret_value() if settings.api_key else None
        if client is None and settings.path is not None:
            client = _local_client(QdrantClient, settings.path)
        self._client = client or QdrantClient(url=settings.url, api_key=api_key)

    @staticmethod
    def point_id(chunk_id: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, chunk_id))

    def add(self, chunks: Sequence[Chunk]) -> None:
        if not chunks:
            return
        vectors = self._embeddings.embed_documents([chunk.search_text for chunk in chunks])
        if not self._client.collection_exists(self._collection):
            self._client.create_collection(
                self._collection,
                vectors_config=self._models.VectorParams(
                    size=len(vectors[0]), distance=self._models.Distance.COSINE
                ),
            )
        self._client.upsert(
            self._collection,
            points=self._models.Batch(
                ids=[self.point_id(chunk.chunk_id) for chunk in chunks],
                vectors=vectors,
                payloads=[{"chunk_id": chunk.chunk_id} for chunk in chunks],
            ),
        )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids and self._client.collection_exists(self._collection):
            self._client.delete(
                self._collection,
                points_selector=self._models.PointIdsList(
                    points=[self.point_id(chunk_id) for chunk_id in chunk_ids]
                ),
            )

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self._client.collection_exists(self._collection):
            return []
        response = self._client.query_points(
            self._collection, query=self._embeddings.embed_query(query), limit=k
        )
        return [
            ((point.payload or {})["chunk_id"], float(point.score)) for point in response.points
        ]

    def save(self, folder: Path) -> None:
        """Nothing to write: the server holds the vectors."""


def _local_client(factory: Any, path: Path) -> Any:
    key = path.resolve()
    with _LOCAL_LOCK:
        if key not in _LOCAL_CLIENTS:
            key.mkdir(parents=True, exist_ok=True)
            _LOCAL_CLIENTS[key] = factory(path=str(key))
        return _LOCAL_CLIENTS[key]


def open_vector_index(
    embeddings: Embeddings, settings: VectorStoreSettings, folder: Path | None
) -> VectorIndex:
    """The configured vector index, loaded from `folder` (the current index) if embedded."""
    if settings.kind == "qdrant":
        return QdrantVectorIndex(embeddings, settings)
    return EmbeddedVectorIndex(embeddings, folder)
