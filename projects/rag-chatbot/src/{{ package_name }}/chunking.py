"""Split loaded sections into citable chunks that keep their file and heading path."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .config import ChunkingSettings
from .documents import HEADING_SEPARATOR, Chunk, LoadedFile


def chunk_file(loaded: LoadedFile, source: str, settings: ChunkingSettings) -> list[Chunk]:
    """Chunk each section on its own so no chunk straddles two headings.

    Ids are `<source>#<n>`: readable in citations and stable while the file is unchanged.
    """
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=min(settings.chunk_overlap, settings.chunk_size // 2),
    )
    chunks: list[Chunk] = []
    for section in loaded.sections:
        heading = HEADING_SEPARATOR.join(section.headings)
        for piece in splitter.split_text(section.text):
            chunks.append(
                Chunk(
                    chunk_id=f"{source}#{len(chunks)}",
                    source=source,
                    title=loaded.title,
                    heading=heading,
                    text=piece.strip(),
                )
            )
    return chunks
