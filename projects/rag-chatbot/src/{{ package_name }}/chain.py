"""The conversational RAG chain: condense, retrieve, abstain or answer with citations."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from .chunking import HEADING_SEPARATOR
from .config import Settings
from .errors import ChatbotError, LLMError, QuestionTooLongError
from .generation import ExtractiveAnswerer, explain_llm_error
from .history import HistoryStore
from .prompts import ABSTAIN_MESSAGE, ANSWER_PROMPT, CONDENSE, format_context
from .retrieval import HybridRetriever, confidence_of
from .text import tokenize

_CITATION = re.compile(r"\[(\d{1,3})\]")
# Words that point back into the conversation: "how much does it cost?", "and that one?"
_POINTERS = "it its this that these those they them their one ones same there"
_REFERS_BACK = frozenset(_POINTERS.split())


@dataclass(frozen=True)
class Source:
    """A retrieved chunk as shown to users; the n-th source is citation [n]."""

    source: str
    title: str
    chunk_id: str
    score: float
    heading: str = ""
    text: str = ""

    @classmethod
    def from_document(cls, document: Document) -> Source:
        meta = document.metadata
        return cls(
            meta["source"],
            meta["title"],
            meta["chunk_id"],
            round(float(meta["score"]), 4),
            meta.get("heading", ""),
            document.page_content,
        )

    def label(self) -> str:
        """`Title > section (path)`: the section tells apart chunks of one file."""
        section = self.heading.rsplit(HEADING_SEPARATOR, 1)[-1]
        topic = f" > {section}" if section and section != self.title else ""
        return f"{self.title}{topic} ({self.source})"

    def summary(self) -> dict[str, Any]:
        """The four fields of `ask --json`."""
        return {
            "source": self.source,
            "title": self.title,
            "chunk_id": self.chunk_id,
            "score": self.score,
        }


@dataclass(frozen=True)
class Answer:
    """An answer with its sources (best first) and the citation numbers it uses."""

    answer: str
    abstained: bool
    sources: list[Source]
    citations: list[int] = field(default_factory=list)
    standalone_question: str = ""
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "sources": [source.summary() for source in self.sources],
        }


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event: answer tokens first, then the sources, then done."""

    kind: Literal["token", "sources", "done"]
    data: Any


def cited_numbers(answer: str, n_sources: int) -> list[int]:
    """The citation numbers an answer uses, in first-use order, ignoring out-of-range ones."""
    numbers: list[int] = []
    for match in _CITATION.finditer(answer):
        number = int(match.group(1))
        if 1 <= number <= n_sources and number not in numbers:
            numbers.append(number)
    return numbers


def is_abstention(answer: str) -> bool:
    return not answer.strip() or "i don't know based on the provided documents" in answer.lower()


def condense_offline(question: str, history: Sequence[tuple[str, str]]) -> str:
    """Without an LLM, search a follow-up together with the previous question.

    Only follow-ups that point back ("does it ...") or name a single term need this; the
    previous question carries their topic.
    """
    if not history:
        return question
    words = set(re.findall(r"[a-z']+", question.lower()))
    if words & _REFERS_BACK or len(tokenize(question)) <= 1:
        return f"{history[-1][0]} {question}"
    return question


class ChatEngine:
    """Runs the chain for one question; the CLI, the API and the evaluation all use it."""

    def __init__(
        self,
        retriever: HybridRetriever,
        settings: Settings,
        chat_model: BaseChatModel | None = None,
        history: HistoryStore | None = None,
    ) -> None:
        self.retriever = retriever
        self.settings = settings
        self.chat_model = chat_model
        self.history = history or HistoryStore(settings.history_turns, settings.max_sessions)
        self.extractive = ExtractiveAnswerer()

    def check_question(self, question: str) -> str:
        question = question.strip()
        if not question:
            raise ChatbotError("the question is empty")
        if len(question) > self.settings.max_question_chars:
            raise QuestionTooLongError(
                f"the question has {len(question)} characters; the limit is "
                f"{self.settings.max_question_chars} (max_question_chars)"
            )
        return question

    async def condense(self, question: str, session_id: str | None) -> str:
        turns = self.history.turns(session_id)
        if not turns:
            return question
        if self.chat_model is None:
            return condense_offline(question, turns)
        chain = CONDENSE | self.chat_model | StrOutputParser()
        try:
            rewritten = await chain.ainvoke(
                {"history": self.history.messages(session_id), "question": question}
            )
        except Exception as error:
            raise self._llm_error(error) from error
        return rewritten.strip() or question

    def _llm_error(self, error: Exception) -> LLMError:
        return explain_llm_error(error, self.settings.llm)

    async def stream(
        self, question: str, session_id: str | None = None
    ) -> AsyncIterator[StreamEvent]:
        """Yield answer tokens as they come, then the sources, then the final Answer."""
        question = self.check_question(question)
        standalone = await self.condense(question, session_id)
        hits = await self.retriever.ainvoke(standalone)
        confidence = confidence_of(hits)
        abstain = not hits or confidence < self.settings.retrieval.min_confidence
        parts: list[str] = []
        if abstain:
            parts.append(ABSTAIN_MESSAGE)
            yield StreamEvent("token", ABSTAIN_MESSAGE)
        elif self.chat_model is None:
            for token in self.extractive.stream(standalone, hits):
                parts.append(token)
                yield StreamEvent("token", token)
        else:
            async for token in self._generate(question, session_id, hits):
                parts.append(token)
                yield StreamEvent("token", token)
        text = "".join(parts).strip()
        abstained = abstain or is_abstention(text)
        sources = [] if abstained else [Source.from_document(hit) for hit in hits]
        answer = Answer(
            answer=ABSTAIN_MESSAGE if abstained and not text else text,
            abstained=abstained,
            sources=sources,
            citations=[] if abstained else cited_numbers(text, len(sources)),
            standalone_question=standalone,
            confidence=round(confidence, 4),
        )
        self.history.append(session_id, question, answer.answer)
        yield StreamEvent("sources", sources)
        yield StreamEvent("done", answer)

    async def _generate(
        self, question: str, session_id: str | None, hits: list[Document]
    ) -> AsyncIterator[str]:
        assert self.chat_model is not None
        chain = ANSWER_PROMPT | self.chat_model | StrOutputParser()
        inputs = {
            "company": self.settings.company,
            "abstain": ABSTAIN_MESSAGE,
            "context": format_context(hits),
            "history": self.history.messages(session_id),
            "question": question,
        }
        try:
            async for token in chain.astream(inputs):
                yield token
        except Exception as error:
            raise self._llm_error(error) from error

    async def aask(self, question: str, session_id: str | None = None) -> Answer:
        async for event in self.stream(question, session_id):
            if event.kind == "done":
                answer: Answer = event.data
                return answer
        raise AssertionError("the chain ended without a final answer")  # pragma: no cover

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        return asyncio.run(self.aask(question, session_id))
