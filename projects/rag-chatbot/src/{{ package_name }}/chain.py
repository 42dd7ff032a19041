"""The conversational RAG chain: condense, retrieve, abstain or answer with citations.

The chain is one LCEL Runnable (`ChatEngine.chain`): load the session's history,
condense a follow-up into a standalone question, retrieve, then answer (or abstain) and
save the turn. Callbacks, `astream_events` and LangSmith tracing therefore see every
step: the retriever run, the chat model's tokens and the final answer.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import replace
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.callbacks.manager import adispatch_custom_event
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import (
    Runnable,
    RunnableConfig,
    RunnableLambda,
    RunnablePassthrough,
)

from . import loop
from .answer_rules import (
    ABSTAIN_MESSAGE,
    Answer,
    Source,
    StreamEvent,
    check_question,
    cited_numbers,
    condense_offline,
    is_abstention,
    make_answer,
    should_abstain,
    token_usage,
)
from .config import Settings
from .errors import LLMError
from .generation import ChatModels, ExtractiveAnswerer, explain_llm_error
from .history_store import HistoryStore
from .prompts import ANSWER_PROMPT, CONDENSE, format_context
from .relevance import citable

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = [  # the answer types and rules live in answer_rules.py; importable from here too
    "ABSTAIN_MESSAGE",
    "Answer",
    "ChatEngine",
    "Source",
    "StreamEvent",
    "cited_numbers",
    "condense_offline",
    "is_abstention",
]

T = TypeVar("T")
TOKEN_EVENT = "answer_token"  # custom event for tokens no chat model streams (extractive)
ANSWER_TAG = "answer"  # marks the chat model run whose tokens are the answer


def _turns(messages: Sequence[BaseMessage]) -> list[tuple[str, str]]:
    pairs, question = [], None
    for message in messages:
        if isinstance(message, HumanMessage):
            question = str(message.text)
        elif isinstance(message, AIMessage) and question is not None:
            pairs.append((question, str(message.text)))
            question = None
    return pairs


def _words(text: str) -> list[str]:
    """Text as word tokens (each but the last with its space), as a chat model streams."""
    words = text.split(" ")
    return [word + " " for word in words[:-1]] + words[-1:]


async def _now(value: T) -> T:
    return value


class ChatEngine:
    """Runs the chain for one question; the CLI, the API and the evaluation all use it.

    `retriever` is any LangChain retriever: the project's `HybridRetriever`, or a stock
    one such as `InMemoryVectorStore(...).as_retriever()`, whose documents get the fields
    and relevance they lack from `relevance.citable`.
    """

    def __init__(
        self,
        retriever: BaseRetriever,
        settings: Settings,
        chat_model: BaseChatModel | ChatModels | None = None,
        history: HistoryStore | None = None,
        extractive: ExtractiveAnswerer | None = None,
    ) -> None:
        self.retriever = retriever
        self.settings = settings
        self.models: ChatModels | None = None
        self.chat_model = chat_model
        self.history = history or HistoryStore(settings.history_turns, settings.max_sessions)
        self.extractive = extractive or ExtractiveAnswerer()
        self.chain = self._build_chain()

    @property
    def chat_model(self) -> BaseChatModel | None:
        """The chat model for the running event loop; None answers extractively."""
        return self.models.current() if self.models else None

    @chat_model.setter
    def chat_model(self, model: BaseChatModel | ChatModels | None) -> None:
        if model is None or isinstance(model, ChatModels):
            self.models = model
        else:
            self.models = ChatModels.fixed(model)

    def _build_chain(self) -> Runnable[dict[str, Any], dict[str, Any]]:
        """Question (+ session_id in config) -> {"answer": Answer}; see the module docstring."""
        # The steps are coroutines; `invoke` (sync) runs them on the process's loop.
        respond = RunnableLambda(self._on_loop(self._respond), afunc=self._respond, name="respond")
        condense = RunnableLambda(
            self._on_loop(self._condense), afunc=self._condense, name="condense"
        )
        chain = (
            RunnablePassthrough.assign(
                history=RunnableLambda(
                    self._load_history,
                    afunc=lambda inputs, config: _now(self._load_history(inputs, config)),
                    name="load_history",
                )
            )
            | RunnablePassthrough.assign(standalone=condense)
            | RunnablePassthrough.assign(documents=itemgetter("standalone") | self.retriever)
            | respond
            | RunnableLambda(
                self._save_history,
                afunc=lambda output, config: _now(self._save_history(output, config)),
                name="save_history",
            )
        )
        return chain.with_config(run_name="rag_answer")

    @staticmethod
    def _on_loop(step: Callable[[Any, RunnableConfig], Coroutine[Any, Any, T]]) -> Callable[..., T]:
        def run(inputs: Any, config: RunnableConfig) -> T:
            return loop.run(step(inputs, config))

        return run

    def check_question(self, question: str) -> str:
        return check_question(question, self.settings.max_question_chars)

    @staticmethod
    def _session_id(config: RunnableConfig) -> str | None:
        session: str | None = config.get("configurable", {}).get("session_id")
        return session

    def _load_history(self, inputs: dict[str, Any], config: RunnableConfig) -> list[BaseMessage]:
        return self.history.session(self._session_id(config)).messages

    def _save_history(self, output: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        answer: Answer = output["answer"]
        self.history.session(self._session_id(config)).add_messages(
            [HumanMessage(output["question"]), AIMessage(answer.answer)]
        )
        return output

    async def _condense(self, inputs: dict[str, Any], config: RunnableConfig) -> str:
        question: str = inputs["question"]
        history: list[BaseMessage] = inputs["history"]
        if not history:
            return question
        if self.models is None:
            return condense_offline(question, _turns(history))
        chain = CONDENSE | self.models.current()
        try:
            rewritten = await chain.ainvoke({"history": history, "question": question}, config)
        except Exception as error:
            raise self._llm_error(error) from error
        return str(rewritten.text).strip() or question

    def _llm_error(self, error: Exception) -> LLMError:
        if isinstance(error, LLMError):
            return error
        return explain_llm_error(error, self.settings.llm)

    async def _respond(self, inputs: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        """Abstain, answer extractively or ask the chat model; tokens go out as events."""
        documents = citable(inputs["documents"], inputs["standalone"])
        abstain = should_abstain(documents, self.settings.retrieval.min_confidence)
        usage: dict[str, int] = {}
        if abstain or self.models is None:
            # Written at once (no model to wait for): one event; `stream` splits it in words.
            text = (
                ABSTAIN_MESSAGE
                if abstain
                else self.extractive.answer(inputs["standalone"], documents)
            )
            await adispatch_custom_event(TOKEN_EVENT, {"text": text}, config=config)
        else:
            text, usage = await self._generate(inputs, documents, config)
        answer = make_answer(
            text, documents, abstain=abstain, standalone_question=inputs["standalone"], usage=usage
        )
        return {**inputs, "answer": answer}

    async def _generate(
        self, inputs: dict[str, Any], documents: list[Document], config: RunnableConfig
    ) -> tuple[str, dict[str, int]]:
        assert self.models is not None
        chain = ANSWER_PROMPT | self.models.current().with_config(tags=[ANSWER_TAG])
        prompt_inputs = {
            "company": self.settings.company,
            "abstain": ABSTAIN_MESSAGE,
            "context": format_context(documents),
            "history": inputs["history"],
            "question": inputs["question"],
        }
        message: Any = None
        try:
            async for chunk in chain.astream(prompt_inputs, config):
                message = chunk if message is None else message + chunk
        except Exception as error:
            raise self._llm_error(error) from error
        return (str(message.text) if message is not None else ""), token_usage(message)

    async def stream(
        self, question: str, session_id: str | None = None
    ) -> AsyncIterator[StreamEvent]:
        """Yield answer tokens as they come, then the sources, then the final Answer."""
        question = self.check_question(question)
        if session_id is not None:
            self.history.check_id(session_id)
        started = time.perf_counter()
        config: RunnableConfig = {"configurable": {"session_id": session_id}}
        output: dict[str, Any] | None = None
        async for event in self.chain.astream_events({"question": question}, config, version="v2"):
            kind = event["event"]
            data: Any = event["data"]
            if kind == "on_custom_event" and event["name"] == TOKEN_EVENT:
                for word in _words(data["text"]):
                    yield StreamEvent("token", word)
            elif kind == "on_chat_model_stream" and ANSWER_TAG in event.get("tags", []):
                if text := str(data["chunk"].text):
                    yield StreamEvent("token", text)
            elif kind == "on_chain_end" and not event["parent_ids"]:
                output = data["output"]
        assert output is not None, "the chain ended without an answer"
        answer: Answer = output["answer"]
        latency = round((time.perf_counter() - started) * 1000, 2)
        answer = replace(answer, latency_ms=latency)
        yield StreamEvent("sources", answer.sources)
        yield StreamEvent("done", answer)

    async def aask(self, question: str, session_id: str | None = None) -> Answer:
        """The whole answer at once: the chain without the event stream `stream` needs."""
        question = self.check_question(question)
        if session_id is not None:
            self.history.check_id(session_id)
        started = time.perf_counter()
        config: RunnableConfig = {"configurable": {"session_id": session_id}}
        output = await self.chain.ainvoke({"question": question}, config)
        latency = round((time.perf_counter() - started) * 1000, 2)
        answer: Answer = output["answer"]
        return replace(answer, latency_ms=latency)

    async def aclose(self) -> None:
        """Close the running loop's LLM client (a server calls this at shutdown)."""
        if self.models is not None:
            await self.models.aclose()

    def close(self) -> None:
        """Close the LLM client of the process's loop, used by `ask`, `chat` and `eval`."""
        loop.run(self.aclose())

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        """Answer synchronously on the process's one event loop (see `loop.py`)."""
        return loop.run(self.aask(question, session_id))
