"""Split loaded sections into citable chunks that keep their file and heading path."""

from __future__ import annotations

import re

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
        for piece in _fenced(section.text, splitter.split_text(section.text)):
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


_FENCE_LINE = re.compile(r"^[ \t]*```", re.MULTILINE)


def _fenced(text: str, pieces: list[str]) -> list[str]:
    """The pieces with every code block they cut closed, or reopened where they start in one.

    The splitter cuts long code blocks too; a chunk that starts inside one would have its
    closing fence read as an opening one, so the answerer would quote the prose after it
    as code and the code as prose.
    """
    fixed = []
    cursor = 0
    for piece in pieces:
        start = text.find(piece, cursor)
        if start < 0:  # not found verbatim: leave it as it is
            fixed.append(piece)
            continue
        cursor = start
        inside = len(_FENCE_LINE.findall(text, 0, start)) % 2 == 1
        opened = "```\n" + piece.lstrip("\n") if inside else piece
        if len(_FENCE_LINE.findall(opened)) % 2 == 1:
            opened = opened.rstrip() + "\n```"
        fixed.append(opened)
    return fixed
