"""LLM-judged answer quality: faithfulness, answer relevance and context precision.

The three metrics RAGAS defined, asked of the configured chat model with plain LangChain
prompts: ragas 0.4.3 does not fit this project's LangChain (installing it downgrades
langchain-openai to 1.1 and openai to 1.x, and brings langgraph, langchain-community,
pandas, pyarrow and datasets). Each verdict comes back as JSON; a reply that cannot be
read leaves that metric unscored for the question rather than guessing.

- faithfulness: the share of the answer's statements that the sources support;
- answer relevance: whether the answer addresses the question (0, 0.5 or 1);
- context precision: average precision of the retrieved chunks, each judged useful or
  not, so useful chunks ranked high score best.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.prompts import ChatPromptTemplate

from .answer_rules import token_usage
from .prompts import escape

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .chain import Answer

# The JSON shapes go in as variables: braces in a template's own text would need escaping.
FAITHFULNESS = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You grade FAITHFULNESS. Split the answer into its factual statements and decide "
            "for each whether the sources support it. Citation markers like [1] are not "
            "statements. Reply with JSON only: {reply_format}",
        ),
        ("human", "Sources:\n{context}\n\nAnswer:\n{answer}"),
    ]
).partial(reply_format='{"statements": [{"statement": "...", "supported": true}]}')

RELEVANCE = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You grade ANSWER RELEVANCE: does the answer address the question asked, "
            "whether or not it is correct? Reply with JSON only: {reply_format}",
        ),
        ("human", "Question:\n{question}\n\nAnswer:\n{answer}"),
    ]
).partial(reply_format='{"verdict": "yes" | "partly" | "no"}')

CONTEXT_PRECISION = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You grade CONTEXT PRECISION: for each numbered source, say whether it is useful "
            "for answering the question. Reply with JSON only, one verdict per source in "
            "order: {reply_format}",
        ),
        ("human", "Question:\n{question}\n\nSources:\n{context}"),
    ]
).partial(reply_format='{"useful": [true, false, ...]}')

_VERDICTS = {"yes": 1.0, "partly": 0.5, "no": 0.0}
_JSON = re.compile(r"\{.*\}", re.DOTALL)


JUDGED = ("faithfulness", "answer_relevance", "context_precision")


@dataclass(frozen=True)
class Judgement:
    """The three scores for one answer, each 0 to 1; None where the judge's reply was unusable."""

    faithfulness: float | None
    answer_relevance: float | None
    context_precision: float | None
    usage: dict[str, int] = field(default_factory=dict)
    """Tokens the three judge calls used together, counted in `eval`'s totals and cost."""

    def scores(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in JUDGED}


def _json(reply: str) -> dict[str, Any] | None:
    """The JSON object in a reply, tolerating code fences and chatter around it."""
    found = _JSON.search(reply)
    if not found:
        return None
    try:
        value = json.loads(found.group(0))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def faithfulness_of(reply: str) -> float | None:
    parsed = _json(reply)
    statements = parsed.get("statements") if parsed else None
    if not isinstance(statements, list) or not statements:
        return None
    supported = [bool(item.get("supported")) for item in statements if isinstance(item, dict)]
    return sum(supported) / len(supported) if supported else None


def relevance_of(reply: str) -> float | None:
    parsed = _json(reply)
    verdict = str(parsed.get("verdict", "")).strip().lower() if parsed else ""
    return _VERDICTS.get(verdict)


def context_precision_of(reply: str, n_sources: int) -> float | None:
    """Average precision over the ranked sources (RAGAS's context precision)."""
    parsed = _json(reply)
    useful = parsed.get("useful") if parsed else None
    if not isinstance(useful, list) or len(useful) != n_sources:
        return None
    flags = [bool(flag) for flag in useful]
    if not any(flags):
        return 0.0
    total, hits = 0.0, 0
    for rank, flag in enumerate(flags, start=1):
        if flag:
            hits += 1
            total += hits / rank
    return total / sum(flags)


def _numbered(answer: Answer) -> str:
    return "\n\n".join(
        f"[{number}] {escape(source.text)}" for number, source in enumerate(answer.sources, 1)
    )


async def judge(model: BaseChatModel, question: str, answer: Answer) -> Judgement:
    """Score one answer that was not an abstention (an abstention has nothing to judge)."""
    context = _numbered(answer)
    faithful = await model.ainvoke(
        FAITHFULNESS.format_messages(context=context, answer=answer.answer)
    )
    relevant = await model.ainvoke(
        RELEVANCE.format_messages(question=question, answer=answer.answer)
    )
    precise = await model.ainvoke(
        CONTEXT_PRECISION.format_messages(question=question, context=context)
    )
    usage: Counter[str] = Counter()
    for reply in (faithful, relevant, precise):
        usage.update(token_usage(reply))
    return Judgement(
        faithfulness=faithfulness_of(str(faithful.text)),
        answer_relevance=relevance_of(str(relevant.text)),
        context_precision=context_precision_of(str(precise.text), len(answer.sources)),
        usage=dict(usage),
    )
