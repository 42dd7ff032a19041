"""Per-session chat history, bounded in turns and in sessions, optionally kept on disk."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ChatbotError

if TYPE_CHECKING:
    from langchain_core.chat_history import BaseChatMessageHistory

_SESSION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
Turn = tuple[str, str]


class HistoryStore:
    """The last `max_turns` question/answer pairs of each session.

    In memory the least recently used session is forgotten beyond `max_sessions`; with a
    `directory` (the CLI's `ask --session`) each session is a small JSON file.
    """

    def __init__(
        self, max_turns: int, max_sessions: int = 1000, directory: Path | None = None
    ) -> None:
        self.max_turns = max_turns
        self.max_sessions = max_sessions
        self.directory = directory
        self._sessions: OrderedDict[str, list[Turn]] = OrderedDict()

    @staticmethod
    def check_id(session_id: str) -> str:
        # Session ids become file names: refuse anything that could leave the folder.
        if not _SESSION_ID.match(session_id) or session_id.strip(".") == "":
            raise ChatbotError(
                f"invalid session id {session_id!r}: use 1-64 letters, digits, '.', '_' or '-'"
            )
        return session_id

    def turns(self, session_id: str | None) -> list[Turn]:
        if session_id is None:
            return []
        self.check_id(session_id)
        if session_id not in self._sessions and self.directory is not None:
            path = self.directory / f"{session_id}.json"
            if path.is_file():
                stored = json.loads(path.read_text(encoding="utf-8"))
                self._sessions[session_id] = [(str(q), str(a)) for q, a in stored]
        return list(self._sessions.get(session_id, []))

    def session(self, session_id: str | None) -> BaseChatMessageHistory:
        """One session as LangChain's chat history interface, which the answer chain uses.

        Without a session id the history is empty and nothing is kept. Imported here:
        the offline `ask` reads `turns` and never loads LangChain's message classes.
        """
        from .langchain_history import SessionHistory

        return SessionHistory(self, session_id)

    def forget(self, session_id: str | None) -> None:
        if session_id is None:
            return
        self._sessions.pop(self.check_id(session_id), None)
        if self.directory is not None:
            (self.directory / f"{session_id}.json").unlink(missing_ok=True)

    def append(self, session_id: str | None, question: str, answer: str) -> None:
        if session_id is None or self.max_turns == 0:
            return
        turns = [*self.turns(session_id), (question, answer)][-self.max_turns :]
        self._sessions[session_id] = turns
        self._sessions.move_to_end(session_id)
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{session_id}.json"
            path.write_text(json.dumps(turns, ensure_ascii=False), encoding="utf-8")
