"""The ratings database: raters, their task lists and every answer, in SQLite (WAL)."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import db
from .errors import EvalError
from .plan import Task, order_seed

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS raters (
    rater_id TEXT PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    order_seed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    rater_id TEXT NOT NULL REFERENCES raters (rater_id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('likert', 'pairwise')),
    prompt_text TEXT NOT NULL,
    item_id TEXT NOT NULL,
    left_item TEXT NOT NULL,
    right_item TEXT NOT NULL,
    check_kind TEXT NOT NULL,
    repeat_of INTEGER,
    PRIMARY KEY (rater_id, position)
);
CREATE TABLE IF NOT EXISTS likert (
    rater_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    criterion TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    response_ms INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (rater_id, position, criterion),
    FOREIGN KEY (rater_id, position) REFERENCES tasks (rater_id, position)
);
CREATE TABLE IF NOT EXISTS pairwise (
    rater_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    choice TEXT NOT NULL CHECK (choice IN ('left', 'right', 'tie')),
    response_ms INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (rater_id, position),
    FOREIGN KEY (rater_id, position) REFERENCES tasks (rater_id, position)
);
CREATE TABLE IF NOT EXISTS steps (
    rater_id TEXT NOT NULL REFERENCES raters (rater_id),
    step TEXT NOT NULL CHECK (step IN ('consent', 'instructions')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (rater_id, step)
);
CREATE TABLE IF NOT EXISTS enrolments (
    rater_id TEXT PRIMARY KEY REFERENCES raters (rater_id),
    participant_id TEXT NOT NULL UNIQUE,
    study_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS added_raters (
    rater_id TEXT PRIMARY KEY REFERENCES raters (rater_id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS admin_sessions (
    session_hash TEXT PRIMARY KEY,
    csrf TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Rater:
    """A rater as the app knows them: an id for the data, a secret token for the link."""

    rater_id: str
    token: str
    order_seed: int


class StudyFullError(EvalError):
    """No more raters of this kind (joined by the study link, or added) may come in."""


@dataclass(frozen=True)
class Enrolment:
    """Who an openly enrolled rater is on the recruiting platform (e.g. Prolific's ids)."""

    participant_id: str
    study_id: str
    session_id: str


@dataclass(frozen=True)
class Progress:
    """How far a rater is: answered screens out of all screens."""

    rater_id: str
    done: int
    total: int
    last_answer: str | None


class RatingStore:
    """All reads and writes of ratings.db; the web app and `export` go through it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        db.create_schema(path, SCHEMA)

    # -- set-up -----------------------------------------------------------------------
    def initialised(self) -> bool:
        return (
            db.read(self.path, lambda c: c.execute("SELECT 1 FROM raters LIMIT 1").fetchone())
            is not None
        )

    def initialise(
        self, study_seed: int, plans: dict[str, list[Task]], meta: dict[str, Any]
    ) -> None:
        """Create the raters and their task lists once; later calls change nothing."""

        def work(connection: sqlite3.Connection) -> None:
            if connection.execute("SELECT 1 FROM raters LIMIT 1").fetchone():
                return
            connection.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [(key, json.dumps(value)) for key, value in meta.items()],
            )
            for rater_id, tasks in plans.items():
                _insert_rater(connection, study_seed, rater_id, tasks)
            connection.execute(
                "INSERT INTO meta (key, value) VALUES ('admin_token', ?)",
                (json.dumps(secrets.token_urlsafe(16)),),
            )

        db.write(self.path, work)

    def meta(self, key: str) -> Any:
        row = db.read(
            self.path,
            lambda c: c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone(),
        )
        if row is None:
            raise EvalError(f"{self.path} has no '{key}': was the study set up with `serve`?")
        return json.loads(row["value"])

    # -- raters and tasks ---------------------------------------------------------------
    def raters(self) -> list[Rater]:
        rows = db.read(
            self.path, lambda c: c.execute("SELECT * FROM raters ORDER BY rater_id").fetchall()
        )
        return [Rater(row["rater_id"], row["token"], row["order_seed"]) for row in rows]

    def add_rater(
        self,
        make_tasks: Callable[[str, dict[str, int]], list[Task]],
        enrolment: Enrolment | None = None,
        cap: int | None = None,
    ) -> Rater:
        """Add one rater to a running study, or return the one already enrolled.

        Runs in one write transaction, so concurrent joins each see the coverage the
        previous one left, get distinct ids and never pass `cap` together.
        `make_tasks(rater_id, coverage)` builds the newcomer's tasks from how many
        raters hold each item and pair. A rater with an enrolment joined through the
        study link; one without was added by the admin. Each kind has its own `cap`,
        so a flood of one kind never locks out the other; an enrolment whose
        participant id is known returns that participant's rater. Raises
        StudyFullError when this kind already has `cap` raters.
        """

        def work(connection: sqlite3.Connection) -> Rater:
            if enrolment is not None:
                known = _rater_of_participant(connection, enrolment.participant_id)
                if known is not None:
                    return known
            table = "enrolments" if enrolment is not None else "added_raters"
            if cap is not None:
                (count,) = connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
                if count >= cap:
                    raise StudyFullError(f"the study has its {cap} raters of this kind")
            ids = [row["rater_id"] for row in connection.execute("SELECT rater_id FROM raters")]
            numbers = [int(rater_id[1:]) for rater_id in ids if rater_id[1:].isdigit()]
            rater_id = f"r{max(numbers, default=0) + 1:02d}"
            coverage: dict[str, int] = {}
            for row in connection.execute(
                "SELECT item_id, left_item, right_item FROM tasks WHERE check_kind = ''"
            ):
                unit = row["item_id"] or f"{row['left_item']}|{row['right_item']}"
                coverage[unit] = coverage.get(unit, 0) + 1
                # A pair shown right-to-left is the same pair.
                if not row["item_id"]:
                    flipped = f"{row['right_item']}|{row['left_item']}"
                    coverage[flipped] = coverage.get(flipped, 0) + 1
            seed = json.loads(
                connection.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()["value"]
            )
            rater = _insert_rater(connection, seed, rater_id, make_tasks(rater_id, coverage))
            if enrolment is None:
                connection.execute("INSERT INTO added_raters (rater_id) VALUES (?)", (rater_id,))
            else:
                connection.execute(
                    "INSERT INTO enrolments (rater_id, participant_id, study_id, session_id) "
                    "VALUES (?, ?, ?, ?)",
                    (
                        rater_id,
                        enrolment.participant_id,
                        enrolment.study_id,
                        enrolment.session_id,
                    ),
                )
            return rater

        return db.write(self.path, work)

    def rater_of_participant(self, participant_id: str) -> Rater | None:
        """The rater a platform participant id already enrolled as, if any."""
        return db.read(self.path, lambda c: _rater_of_participant(c, participant_id))

    def added_count(self) -> int:
        """How many raters were added to the running study (admin page or `add-raters`)."""
        query = "SELECT COUNT(*) FROM added_raters"
        return int(db.read(self.path, lambda c: c.execute(query).fetchone())[0])

    def enrolments(self) -> dict[str, Enrolment]:
        """Platform ids of the openly enrolled raters, by rater id."""
        rows = db.read(self.path, lambda c: c.execute("SELECT * FROM enrolments").fetchall())
        return {
            row["rater_id"]: Enrolment(row["participant_id"], row["study_id"], row["session_id"])
            for row in rows
        }

    # -- crowd steps ----------------------------------------------------------------------
    def steps_done(self, rater_id: str) -> set[str]:
        """The screens before rating ('consent', 'instructions') this rater has passed."""
        rows = db.read(
            self.path,
            lambda c: c.execute(
                "SELECT step FROM steps WHERE rater_id = ?", (rater_id,)
            ).fetchall(),
        )
        return {row["step"] for row in rows}

    def record_step(self, rater_id: str, step: str) -> None:
        db.write(
            self.path,
            lambda c: c.execute(
                "INSERT OR IGNORE INTO steps (rater_id, step) VALUES (?, ?)", (rater_id, step)
            ),
        )

    def rater_by_token(self, token: str) -> Rater | None:
        row = db.read(
            self.path,
            lambda c: c.execute("SELECT * FROM raters WHERE token = ?", (token,)).fetchone(),
        )
        return Rater(row["rater_id"], row["token"], row["order_seed"]) if row else None

    def tasks(self, rater_id: str) -> list[Task]:
        rows = db.read(
            self.path,
            lambda c: c.execute(
                "SELECT * FROM tasks WHERE rater_id = ? ORDER BY position", (rater_id,)
            ).fetchall(),
        )
        return [_task(row) for row in rows]

    def task(self, rater_id: str, position: int) -> Task | None:
        row = db.read(
            self.path,
            lambda c: c.execute(
                "SELECT * FROM tasks WHERE rater_id = ? AND position = ?", (rater_id, position)
            ).fetchone(),
        )
        return _task(row) if row else None

    def answered(self, rater_id: str) -> set[int]:
        def fetch(connection: sqlite3.Connection) -> set[int]:
            rows = connection.execute(
                "SELECT position FROM likert WHERE rater_id = ? UNION "
                "SELECT position FROM pairwise WHERE rater_id = ?",
                (rater_id, rater_id),
            ).fetchall()
            return {row["position"] for row in rows}

        return db.read(self.path, fetch)

    # -- answers --------------------------------------------------------------------------
    def save_likert(
        self, rater_id: str, position: int, scores: dict[str, int], response_ms: int | None
    ) -> bool:
        """Store all criteria of one screen at once; False when the screen was answered before.

        The primary key makes a resubmission (double click, retried request) a no-op:
        the first answer stands and nothing is counted twice.
        """

        def work(connection: sqlite3.Connection) -> bool:
            inserted = 0
            for criterion, score in scores.items():
                cursor = connection.execute(
                    "INSERT OR IGNORE INTO likert "
                    "(rater_id, position, criterion, score, response_ms) VALUES (?, ?, ?, ?, ?)",
                    (rater_id, position, criterion, score, response_ms),
                )
                inserted += cursor.rowcount
            return inserted > 0

        return db.write(self.path, work)

    def save_pairwise(
        self, rater_id: str, position: int, choice: str, response_ms: int | None
    ) -> bool:
        def work(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "INSERT OR IGNORE INTO pairwise (rater_id, position, choice, response_ms) "
                "VALUES (?, ?, ?, ?)",
                (rater_id, position, choice, response_ms),
            )
            return cursor.rowcount > 0

        return db.write(self.path, work)

    # -- admin sessions -----------------------------------------------------------------
    def open_admin_session(
        self, session_hash: str, csrf: str, expires_at: float, now: float, replacing: str | None
    ) -> None:
        """Store a new session; drop the one it replaces and every expired one."""

        def work(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM admin_sessions WHERE expires_at <= ?", (now,))
            if replacing is not None:
                connection.execute(
                    "DELETE FROM admin_sessions WHERE session_hash = ?", (replacing,)
                )
            connection.execute(
                "INSERT INTO admin_sessions (session_hash, csrf, expires_at) VALUES (?, ?, ?)",
                (session_hash, csrf, expires_at),
            )

        db.write(self.path, work)

    def admin_session_csrf(self, session_hash: str, now: float) -> str | None:
        """The CSRF token of a session that has not expired, or None."""
        row = db.read(
            self.path,
            lambda c: c.execute(
                "SELECT csrf FROM admin_sessions WHERE session_hash = ? AND expires_at > ?",
                (session_hash, now),
            ).fetchone(),
        )
        return str(row["csrf"]) if row else None

    def close_admin_session(self, session_hash: str) -> None:
        db.write(
            self.path,
            lambda c: c.execute(
                "DELETE FROM admin_sessions WHERE session_hash = ?", (session_hash,)
            ),
        )

    # -- reporting ------------------------------------------------------------------------
    def progress(self) -> list[Progress]:
        def fetch(connection: sqlite3.Connection) -> list[Progress]:
            rows = connection.execute(
                """
                SELECT r.rater_id,
                       (SELECT COUNT(*) FROM tasks t WHERE t.rater_id = r.rater_id) AS total,
                       (SELECT COUNT(DISTINCT position) FROM likert l WHERE l.rater_id = r.rater_id)
                     + (SELECT COUNT(*) FROM pairwise p WHERE p.rater_id = r.rater_id) AS done,
                       (SELECT MAX(created_at) FROM (
                            SELECT created_at FROM likert WHERE rater_id = r.rater_id
                            UNION ALL
                            SELECT created_at FROM pairwise WHERE rater_id = r.rater_id
                       )) AS last
                FROM raters r ORDER BY r.rater_id
                """
            ).fetchall()
            return [
                Progress(row["rater_id"], row["done"], row["total"], row["last"]) for row in rows
            ]

        return db.read(self.path, fetch)

    def likert_rows(self) -> list[dict[str, Any]]:
        """Every Likert answer joined with its task (check kind, shown prompt, item)."""
        query = """
            SELECT l.rater_id, l.position, t.item_id, t.prompt_text, t.check_kind, t.repeat_of,
                   l.criterion, l.score, l.response_ms, l.created_at
            FROM likert l JOIN tasks t USING (rater_id, position)
            ORDER BY l.rater_id, l.position, l.criterion
        """
        return db.read(self.path, lambda c: [dict(row) for row in c.execute(query).fetchall()])

    def pairwise_rows(self) -> list[dict[str, Any]]:
        query = """
            SELECT p.rater_id, p.position, t.left_item, t.right_item, t.prompt_text, p.choice,
                   p.response_ms, p.created_at
            FROM pairwise p JOIN tasks t USING (rater_id, position)
            ORDER BY p.rater_id, p.position
        """
        return db.read(self.path, lambda c: [dict(row) for row in c.execute(query).fetchall()])


def _insert_rater(
    connection: sqlite3.Connection, study_seed: int, rater_id: str, tasks: list[Task]
) -> Rater:
    rater = Rater(rater_id, secrets.token_urlsafe(16), order_seed(study_seed, rater_id))
    connection.execute(
        "INSERT INTO raters (rater_id, token, order_seed) VALUES (?, ?, ?)",
        (rater.rater_id, rater.token, rater.order_seed),
    )
    connection.executemany(
        "INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                rater_id,
                t.position,
                t.kind,
                t.prompt_text,
                t.item_id,
                t.left_item,
                t.right_item,
                t.check,
                t.repeat_of,
            )
            for t in tasks
        ],
    )
    return rater


def _rater_of_participant(connection: sqlite3.Connection, participant_id: str) -> Rater | None:
    row = connection.execute(
        "SELECT r.* FROM raters r JOIN enrolments e USING (rater_id) WHERE e.participant_id = ?",
        (participant_id,),
    ).fetchone()
    return Rater(row["rater_id"], row["token"], row["order_seed"]) if row else None


def _task(row: sqlite3.Row) -> Task:
    return Task(
        position=row["position"],
        kind=row["kind"],
        prompt_text=row["prompt_text"],
        item_id=row["item_id"],
        left_item=row["left_item"],
        right_item=row["right_item"],
        check=row["check_kind"],
        repeat_of=row["repeat_of"],
    )
