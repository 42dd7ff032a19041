"""The records that flow through the pipeline: sections of a file, chunks, scored hits."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


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


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the score its retriever gave it (higher is better)."""

    chunk: Chunk
    score: float
