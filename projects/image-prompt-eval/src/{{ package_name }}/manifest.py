"""The image manifest: which image was drawn for which prompt, system and seed, and how."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import db

SCHEMA = """
CREATE TABLE IF NOT EXISTS images (
    item_id TEXT PRIMARY KEY,
    prompt_id TEXT NOT NULL,
    seed INTEGER NOT NULL,
    system TEXT NOT NULL,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    path TEXT NOT NULL,
    parameters TEXT NOT NULL,
    seconds REAL NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


@dataclass(frozen=True)
class ImageRecord:
    """A row of the manifest; `path` is relative to the study's work directory."""

    item_id: str
    prompt_id: str
    seed: int
    system: str
    backend: str
    model: str
    path: str
    parameters: dict[str, Any]
    seconds: float


class Manifest:
    """The `images` table of `manifest.db` in a study's work directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        db.create_schema(path, SCHEMA)

    def add(self, record: ImageRecord) -> None:
        params = json.dumps(record.parameters, sort_keys=True)
        db.write(
            self.path,
            lambda connection: connection.execute(
                "INSERT OR REPLACE INTO images (item_id, prompt_id, seed, system, backend, "
                "model, path, parameters, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.item_id,
                    record.prompt_id,
                    record.seed,
                    record.system,
                    record.backend,
                    record.model,
                    record.path,
                    params,
                    record.seconds,
                ),
            ),
        )

    def records(self) -> list[ImageRecord]:
        def fetch(connection: sqlite3.Connection) -> list[ImageRecord]:
            rows = connection.execute("SELECT * FROM images ORDER BY item_id").fetchall()
            return [
                ImageRecord(
                    item_id=row["item_id"],
                    prompt_id=row["prompt_id"],
                    seed=row["seed"],
                    system=row["system"],
                    backend=row["backend"],
                    model=row["model"],
                    path=row["path"],
                    parameters=json.loads(row["parameters"]),
                    seconds=row["seconds"],
                )
                for row in rows
            ]

        return db.read(self.path, fetch)
