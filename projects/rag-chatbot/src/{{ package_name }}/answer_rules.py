"""What an answer is, and the rules that make one, shared by the chain and the offline path.

Kept free of LangChain's runnables, tracers and prompt templates so that the offline
`ask` (see `offline_engine.py`) can answer without importing them; the LCEL chain in `chain.py`
applies exactly these rules, step by step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .documents import HEADING_SEPARATOR
from .errors import ChatbotError, QuestionTooLongError
from .hybrid_search import confidence_of
from .text import tokenize

if TYPE_CHECKING:
    from langchain_core.documents import Document

ABSTAIN_MESSAGE = "I don't know based on the provided documents."

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
    usage: dict[str, int] = field(default_factory=dict)
    """Tokens the chat model reported: input_tokens, output_tokens, total_tokens."""
    latency_ms: float = 0.0

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


USAGE_KEYS = ("input_tokens", "output_tokens", "total_tokens")


def token_usage(message: Any) -> dict[str, int]:
    """The tokens a chat model's reply reports (LangChain's `usage_metadata`); {} if none."""
    found = getattr(message, "usage_metadata", None) or {}
    return {key: int(found[key]) for key in USAGE_KEYS if key in found}


def check_question(question: str, max_chars: int) -> str:
    """The question without surrounding blanks; empty or overlong ones are refused."""
    question = question.strip()
    if not question:
        raise ChatbotError("the question is empty")
    if len(question) > max_chars:
        raise QuestionTooLongError(
            f"the question has {len(question)} characters; the limit is "
            f"{max_chars} (max_question_chars)"
        )
    return question


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


def should_abstain(documents: Sequence[Document], min_confidence: float) -> bool:
    """Abstain when nothing was retrieved or the best chunk covers too little of the question."""
    return not documents or confidence_of(documents) < min_confidence


def make_answer(
    text: str,
    documents: Sequence[Document],
    *,
    abstain: bool,
    standalone_question: str,
    usage: dict[str, int] | None = None,
) -> Answer:
    """The Answer for what the answerer wrote: sources and citations unless it abstained."""
    text = text.strip()
    abstained = abstain or is_abstention(text)
    sources = [] if abstained else [Source.from_document(doc) for doc in documents]
    return Answer(
        answer=ABSTAIN_MESSAGE if abstained and not text else text,
        abstained=abstained,
        sources=sources,
        citations=[] if abstained else cited_numbers(text, len(sources)),
        standalone_question=standalone_question,
        confidence=round(confidence_of(documents), 4),
        usage=usage or {},
    )
