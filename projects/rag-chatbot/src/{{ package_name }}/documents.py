"""The records that flow through the pipeline: sections of a file, chunks, scored hits.

Retrieval hands chunks on as LangChain `Document`s (`Chunk.to_document`), so rerankers,
compressors and chains from the LangChain ecosystem work on them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.documents import Document
from pydantic import BaseModel

HEADING_SEPARATOR = " > "
"""Joins a chunk's heading path: `Warranty > Making a claim`."""


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path, as a loader found it in a file."""

    text: str
    headings: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedFile:
    """A file's title and its sections, in reading order."""

    title: str
    sections: list[Section]
    encoding_doubt: str | None = None
    """Why the encoding of a text file is a guess that may be wrong; None when it is not."""


class Chunk(BaseModel):
    """The unit of retrieval: a piece of one file that can be cited on its own."""

    chunk_id: str
    source: str
    title: str
    heading: str
    text: str

    @property
    def search_text(self) -> str:
        """What retrieval sees: the title and heading path help short chunks match."""
        return f"{self.title}\n{self.heading}\n{self.text}"

    def to_document(self, score: float, relevance: float) -> Document:
        """The chunk as retrieval returns it: its text, and its fields plus scores as metadata."""
        return Document(
            id=self.chunk_id,
            page_content=self.text,
            metadata={
                "source": self.source,
                "title": self.title,
                "heading": self.heading,
                "chunk_id": self.chunk_id,
                "score": score,
                "relevance": relevance,
            },
        )

    @classmethod
    def from_document(cls, document: Document) -> Chunk:
        """Read back a chunk from a Document that `to_document` made."""
        meta = document.metadata
        return cls(
            chunk_id=meta["chunk_id"],
            source=meta["source"],
            title=meta["title"],
            heading=meta.get("heading", ""),
            text=document.page_content,
        )


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the score its retriever gave it (higher is better)."""

    chunk: Chunk
    score: float
