"""SQLite connections in WAL mode, with writes retried while the database is busy."""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_S = 5.0
MAX_ATTEMPTS = 50


def connect(path: Path) -> sqlite3.Connection:
    """A connection that waits for locks and lets readers run beside one writer (WAL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one transaction that holds the write lock from its start.

    BEGIN IMMEDIATE takes the lock up front, so a busy database fails here (and is
    retried by `write`) instead of midway through a transaction.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def write(path: Path, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run `work` in a write transaction, retrying with jittered backoff while busy.

    sqlite's own busy timeout covers most contention; the loop covers the rest (a
    writer holding the lock longer than the timeout), so a rating is delayed, never
    dropped.
    """
    delay = 0.01
    for attempt in range(1, MAX_ATTEMPTS + 1):
        connection = connect(path)
        try:
            with transaction(connection):
                return work(connection)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            log.warning("database busy (attempt %d), retrying: %s", attempt, exc)
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 1.0)
        finally:
            connection.close()
    raise sqlite3.OperationalError(f"database still busy after {MAX_ATTEMPTS} attempts")


def create_schema(path: Path, schema: str) -> None:
    """Create missing tables (idempotent: every statement says IF NOT EXISTS)."""
    connection = connect(path)
    try:
        connection.executescript(schema)
    finally:
        connection.close()


def read(path: Path, work: Callable[[sqlite3.Connection], T]) -> T:
    connection = connect(path)
    try:
        return work(connection)
    finally:
        connection.close()
