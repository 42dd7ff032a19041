"""The on-disk index: versioned folders, and a pointer file swapped atomically.

Every ingest writes a complete new version beside the current one and only then
replaces the `CURRENT` pointer (an atomic rename), so a crash or a bad file halfway
through leaves the previous index untouched.
"""

from __future__ import annotations

import errno
import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import Chunk
from .errors import DataDirError, IndexNotFoundError

POINTER = "CURRENT"
CHUNKS_FILE = "chunks.jsonl"
MANIFEST_FILE = "manifest.json"
# Writers (numpy, bm25s) do not always say which file a full disk stopped.
_STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


@dataclass
class FileEntry:
    """What the index knows about one source file: its content hash and its chunks."""

    sha256: str
    chunk_ids: list[str] = field(default_factory=list)


@dataclass
class IndexSnapshot:
    """One complete version of the index as read from disk."""

    path: Path
    chunks: list[Chunk]
    files: dict[str, FileEntry]
    embedding_model: str | None = None
    chunking: dict[str, Any] = field(default_factory=dict)


class IndexStore:
    """Reads the current version and writes new ones under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def current_path(self) -> Path | None:
        pointer = self.root / POINTER
        if not pointer.is_file():
            return None
        path = self.root / pointer.read_text(encoding="utf-8").strip()
        return path if path.is_dir() else None

    def exists(self) -> bool:
        return self.current_path() is not None

    def load(self) -> IndexSnapshot:
        path = self.current_path()
        if path is None:
            raise IndexNotFoundError(
                f"no index in {self.root}: ingest documents first (the `ingest PATH` command)"
            )
        with (path / CHUNKS_FILE).open(encoding="utf-8") as lines:
            chunks = [Chunk.model_validate_json(line) for line in lines if line.strip()]
        manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
        files = {source: FileEntry(**entry) for source, entry in manifest["files"].items()}
        return IndexSnapshot(
            path, chunks, files, manifest.get("embedding_model"), manifest.get("chunking", {})
        )

    def load_or_empty(self) -> IndexSnapshot:
        return self.load() if self.exists() else IndexSnapshot(self.root, [], {})

    @contextmanager
    def new_version(self) -> Iterator[Path]:
        """Yield an empty folder to fill; on success it becomes current, on error it goes.

        A folder that cannot be written (permissions, a full disk) raises DataDirError
        naming it, and leaves the current version as it was.
        """
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        staging = self.root / name
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            staging.mkdir()
        except OSError as error:
            raise self._unwritable(error) from None
        try:
            yield staging
            pointer_tmp = self.root / f"{POINTER}.{name}.tmp"
            pointer_tmp.write_text(name, encoding="utf-8")
            pointer_tmp.replace(self.root / POINTER)
        except BaseException as error:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(error, OSError) and self._is_ours(error):
                raise self._unwritable(error) from None
            raise
        self._remove_old_versions(keep=name)

    def _is_ours(self, error: OSError) -> bool:
        """Whether the write into the index folder failed (not, say, a network call)."""
        if error.errno in _STORAGE_FULL:
            return True
        return bool(error.filename) and Path(error.filename).resolve().is_relative_to(
            self.root.resolve()
        )

    def _unwritable(self, error: OSError) -> DataDirError:
        reason = (error.strerror or str(error)).lower()
        return DataDirError(
            f"cannot write the index in {self.root} ({reason}): free some space or make the "
            "folder writable, or point data_dir (RAG_DATA_DIR) at another folder"
        )

    def _remove_old_versions(self, keep: str) -> None:
        for path in self.root.glob("v-*"):
            if path.is_dir() and path.name != keep:
                shutil.rmtree(path, ignore_errors=True)


def write_snapshot(
    folder: Path,
    chunks: list[Chunk],
    files: dict[str, FileEntry],
    embedding_model: str | None,
    chunking: dict[str, Any],
    *extra_writers: Callable[[Path], None],
) -> None:
    """Write chunks, manifest and whatever the retrievers persist into `folder`."""
    with (folder / CHUNKS_FILE).open("w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(chunk.model_dump_json() + "\n")
    manifest = {
        "version": 1,
        "embedding_model": embedding_model,
        "chunking": chunking,
        "files": {
            source: {"sha256": entry.sha256, "chunk_ids": entry.chunk_ids}
            for source, entry in sorted(files.items())
        },
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    for writer in extra_writers:
        writer(folder)
