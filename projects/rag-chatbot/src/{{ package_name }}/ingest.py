"""Incremental ingestion: hash files, re-read only what changed, write a new index version."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .chunking import chunk_file
from .config import CONFIGURED, Settings
from .documents import Chunk
from .embeddings import build_embeddings
from .errors import IngestError
from .hybrid_search import LexicalIndex
from .index import FileEntry, IndexSnapshot, IndexStore, write_snapshot
from .loaders import (
    SUPPORTED_SUFFIXES,
    UnreadableFileError,
    load_file,
    read_regular_file,
    special_file_kind,
)
from .vectorstores import open_vector_index

logger = logging.getLogger(__name__)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class IngestReport:
    """What one ingest did, file by file and chunk by chunk."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """Files that could not be read or held no text, FIFOs, sockets and devices, with why."""
    guessed_encodings: list[tuple[str, str]] = field(default_factory=list)
    """Files read in an encoding that is a guess which may be wrong, with the guess."""
    unsupported: list[str] = field(default_factory=list)
    unreadable_folders: list[str] = field(default_factory=list)
    chunks: int = 0
    """Chunks in the index after this ingest."""
    chunks_added: int = 0
    chunks_removed: int = 0

    def summary(self) -> str:
        read = len(self.added) + len(self.updated)
        skipped = len(self.skipped) + len(self.unsupported)
        return (
            f"Read {_plural(read, 'file')} ({len(self.added)} new, {len(self.updated)} changed), "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, {skipped} skipped; "
            f"{_plural(self.chunks_added, 'chunk')} added, {self.chunks_removed} removed, "
            f"{self.chunks} in the index"
        )


@dataclass
class Discovery:
    """What a walk over the input paths found."""

    files: list[Path] = field(default_factory=list)
    unsupported: list[Path] = field(default_factory=list)
    special: list[tuple[Path, str]] = field(default_factory=list)
    """FIFOs, sockets and devices with a supported suffix, with what each is: never opened."""
    unreadable_folders: list[Path] = field(default_factory=list)

    def note_unreadable(self, error: OSError) -> None:
        """os.walk's error callback: a folder that could not be listed."""
        self.unreadable_folders.append(Path(error.filename))

    def add_file(self, path: Path) -> None:
        """A file to read, unless it is a FIFO, a socket or a device (links followed)."""
        try:
            kind = special_file_kind(path.stat().st_mode)
        except OSError:  # a dangling link: reading it says what is wrong
            kind = None
        if kind is None:
            self.files.append(path)
        else:
            self.special.append((path, kind))


def discover(paths: Sequence[Path]) -> Discovery:
    """Supported files under `paths` (folders are searched recursively), sorted.

    Hidden files and folders are left out silently; unsupported files, FIFOs, sockets,
    devices and folders that cannot be listed are reported, so nothing is dropped without
    a word.
    """
    found = Discovery()
    for path in paths:
        if not path.exists():
            raise IngestError(f"{path} does not exist")
        if not path.is_dir():
            found.add_file(path)
            continue

        for folder, subfolders, names in os.walk(path, onerror=found.note_unreadable):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
            for name in names:
                file = Path(folder) / name
                if name.startswith("."):
                    continue
                if file.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.add_file(file)
                else:
                    found.unsupported.append(file)
    found.files = sorted(set(found.files))
    found.unsupported.sort()
    found.special.sort()
    found.unreadable_folders.sort()
    return found


def _warn_once(what: str, items: Sequence[str]) -> None:
    """One warning for a whole kind of problem, naming every file: never one per file."""
    if items:
        logger.warning("skipped %s: %s", _plural(len(items), what), ", ".join(items))


def source_name(path: Path) -> str:
    """How a file is cited: relative to the working directory when it is below it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def ingest(
    paths: Sequence[Path], settings: Settings, embeddings: Embeddings | None = CONFIGURED
) -> IngestReport:
    """Bring the index in line with `paths`.

    Unchanged files (same SHA-256) keep their chunks without being parsed again; files
    that no longer exist leave the index; unreadable files are skipped with a warning.
    Files indexed earlier from other paths stay. Only new chunks are embedded.
    """
    if embeddings is CONFIGURED:
        embeddings = build_embeddings(settings.embeddings)
    store = IndexStore(settings.index_dir)
    previous = store.load_or_empty()
    previous_chunks: dict[str, list[Chunk]] = {}
    for chunk in previous.chunks:
        previous_chunks.setdefault(chunk.source, []).append(chunk)

    report = IngestReport()
    chunking = settings.chunking.model_dump()
    if previous.chunking and previous.chunking != chunking:
        logger.info("chunking settings changed: every file is chunked again")
        previous.files = {
            source: FileEntry("", entry.chunk_ids) for source, entry in previous.files.items()
        }
    files: dict[str, FileEntry] = {}
    for source, entry in previous.files.items():
        if Path(source).exists():
            files[source] = entry
        else:
            report.removed.append(source)
    chunks_by_source = {source: previous_chunks.get(source, []) for source in files}
    report.chunks_removed = sum(len(previous_chunks.get(source, [])) for source in report.removed)
    found = discover(paths)
    report.skipped = [
        (source_name(path), f"{kind}, not a regular file") for path, kind in found.special
    ]
    report.unsupported = [source_name(path) for path in found.unsupported]
    report.unreadable_folders = [source_name(path) for path in found.unreadable_folders]
    for path in found.files:
        source = source_name(path)
        try:
            data = read_regular_file(path)
        except OSError as error:
            report.skipped.append((source, (error.strerror or str(error)).lower()))
            continue
        except UnreadableFileError as error:  # swapped for a FIFO since the listing
            report.skipped.append((source, str(error)))
            continue
        digest = hashlib.sha256(data).hexdigest()
        known = files.get(source)
        if known is not None and known.sha256 == digest:
            report.unchanged.append(source)
            continue
        try:
            loaded = load_file(path, data)
            chunks = chunk_file(loaded, source, settings.chunking)
        except UnreadableFileError as error:
            report.skipped.append((source, str(error)))
            continue
        except Exception as error:  # a parser's own bug on one odd file must not stop the rest
            logger.debug("parsing %s failed", source, exc_info=True)
            report.skipped.append((source, f"could not be parsed ({type(error).__name__})"))
            continue
        (report.updated if known else report.added).append(source)
        if loaded.encoding_doubt:
            report.guessed_encodings.append((source, loaded.encoding_doubt))
        files[source] = FileEntry(digest, [chunk.chunk_id for chunk in chunks])
        report.chunks_removed += len(chunks_by_source.get(source, []))
        report.chunks_added += len(chunks)
        chunks_by_source[source] = chunks
    _warn_once("unreadable file", [f"{source} ({reason})" for source, reason in report.skipped])
    _warn_once("unsupported file", report.unsupported)
    _warn_once("unreadable folder", report.unreadable_folders)
    if report.guessed_encodings:
        logger.warning(
            "guessed the encoding of %s (save as UTF-8 if its accents read wrong): %s",
            _plural(len(report.guessed_encodings), "file"),
            ", ".join(f"{source} ({guess})" for source, guess in report.guessed_encodings),
        )

    all_chunks = [
        chunk for source in sorted(chunks_by_source) for chunk in chunks_by_source[source]
    ]
    if not all_chunks:
        raise IngestError(
            f"nothing to index: no readable {', '.join(sorted(SUPPORTED_SUFFIXES))} file in "
            + ", ".join(str(path) for path in paths)
        )
    report.chunks = len(all_chunks)
    with store.new_version() as folder:
        lexical = LexicalIndex.build(all_chunks, settings.chunking.heading_weight)
        writers: list[Callable[[Path], None]] = [lexical.save]
        if embeddings is not None:
            writers.append(_update_vectors(embeddings, settings, previous, all_chunks, report))
        model = settings.embeddings.model if embeddings is not None else None
        write_snapshot(folder, all_chunks, files, model, chunking, *writers)
    logger.info("ingested: %s", report.summary())
    return report


def _update_vectors(
    embeddings: Embeddings,
    settings: Settings,
    previous: IndexSnapshot,
    chunks: list[Chunk],
    report: IngestReport,
) -> Callable[[Path], None]:
    """Embed only what changed; return the writer that saves the vectors with the index."""
    vectors = open_vector_index(
        embeddings, settings.vector_store, previous.path if previous.chunks else None
    )
    fresh = set(report.added + report.updated)
    if previous.embedding_model != settings.embeddings.model:  # every vector is stale
        fresh = {chunk.source for chunk in chunks}
    gone = fresh | set(report.removed)
    vectors.delete([chunk.chunk_id for chunk in previous.chunks if chunk.source in gone])
    vectors.add([chunk for chunk in chunks if chunk.source in fresh])
    return vectors.save
