"""One session of a HistoryStore as LangChain's chat history, which the answer chain uses."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from .history_store import HistoryStore


class SessionHistory(BaseChatMessageHistory):
    """A view of one session of a HistoryStore; any other chat history could replace it."""

    def __init__(self, store: HistoryStore, session_id: str | None) -> None:
        self.store = store
        self.session_id = session_id

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        messages: list[BaseMessage] = []
        for question, answer in self.store.turns(self.session_id):
            messages += [HumanMessage(question), AIMessage(answer)]
        return messages

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Store question/answer pairs; the chain adds one pair per answered question."""
        pending: str | None = None
        for message in messages:
            if isinstance(message, HumanMessage):
                pending = str(message.text)
            elif isinstance(message, AIMessage) and pending is not None:
                self.store.append(self.session_id, pending, str(message.text))
                pending = None

    def clear(self) -> None:
        self.store.forget(self.session_id)
