"""Answer writers: LangChain chat models, and an offline extractive answerer."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel

from .chunking import HEADING_SEPARATOR
from .config import LLMSettings
from .errors import LLMError
from .text import split_sentences, tokenize

OLLAMA_BASE_URL = "http://localhost:11434/v1"


def build_chat_model(settings: LLMSettings) -> BaseChatModel | None:
    """The configured chat model, or None for the offline extractive answerer.

    Ollama, vLLM and most local servers speak the OpenAI API, so one client covers them.
    """
    if settings.provider == "none":
        return None
    api_key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    common = {
        "temperature": settings.temperature,
        "timeout": settings.timeout_s,
        "max_retries": settings.max_retries,
        "api_key": api_key,
    }
    if settings.provider == "azure-openai":
        from langchain_openai import AzureChatOpenAI

        return AzureChatOpenAI(
            azure_endpoint=settings.azure_endpoint,
            azure_deployment=settings.model,
            api_version=settings.api_version,
            **common,  # type: ignore[arg-type]
        )
    from langchain_openai import ChatOpenAI

    base_url = settings.base_url
    if settings.provider == "ollama":
        base_url = base_url or OLLAMA_BASE_URL
    return ChatOpenAI(model=settings.model, base_url=base_url, **common)  # type: ignore[arg-type]


def endpoint_of(settings: LLMSettings) -> str:
    if settings.provider == "azure-openai":
        return settings.azure_endpoint or "Azure OpenAI"
    if settings.provider == "ollama":
        return settings.base_url or OLLAMA_BASE_URL
    return settings.base_url or "https://api.openai.com/v1"


def explain_llm_error(error: Exception, settings: LLMSettings) -> LLMError:
    """One clear sentence for each way an LLM call fails, naming the endpoint."""
    import openai  # only on the error path: it adds a third of a second to start-up

    endpoint = endpoint_of(settings)
    if isinstance(error, openai.APITimeoutError):
        return LLMError(
            f"the language model at {endpoint} did not answer within {settings.timeout_s:g} s; "
            "try again, or raise llm.timeout_s"
        )
    if isinstance(error, openai.APIConnectionError):
        return LLMError(f"cannot reach the language model at {endpoint}: is the server running?")
    if isinstance(error, openai.APIStatusError):
        return LLMError(
            f"the language model at {endpoint} refused the request "
            f"(HTTP {error.status_code}): {error.message}"
        )
    return LLMError(f"the language model at {endpoint} failed: {error}")


class ExtractiveAnswerer:
    """Answer with the retrieved sentences that best match the question, each cited.

    It never writes a word of its own, so it cannot hallucinate; the price is answers
    that read like quotations. It is the default because it needs no model at all.
    """

    def __init__(self, max_sentences: int = 2) -> None:
        self.max_sentences = max_sentences

    def answer(self, question: str, documents: Sequence[Document]) -> str:
        wanted = set(tokenize(question))
        scored: list[tuple[float, int, int, str]] = []
        for number, document in enumerate(documents, start=1):
            # A sentence is read under its title and headings: "Plus ($4.99 per month)"
            # answers "what does Plus cost?" although the body never gives the price.
            meta = document.metadata
            context = set(tokenize(f"{meta['title']} {meta.get('heading', '')}"))
            for position, sentence in enumerate(split_sentences(document.page_content)):
                terms = set(tokenize(sentence))
                # A sentence must share a word with the question itself (context only
                # boosts it); a FAQ row's question repeats the user's words but answers
                # nothing.
                if not wanted & terms or sentence.endswith("?"):
                    continue
                overlap = len(wanted & (terms | context)) / math.sqrt(len(terms))
                # Prefer better-ranked chunks, and the lead sentences of a section.
                prior = (1 + 0.5 * (number - 1)) * (1 + 0.1 * position)
                scored.append((overlap / prior, number, position, sentence))
        if not scored:
            return ""
        ranked = sorted(scored, key=lambda item: (-item[0], item[1], item[2]))
        # A second sentence must earn its place: 40% of the best score or better.
        best = [item for item in ranked[: self.max_sentences] if item[0] >= 0.4 * ranked[0][0]]
        parts = []
        introduced: set[int] = set()  # say a heading once per chunk, not before each sentence
        for _, number, _, sentence in sorted(best, key=lambda item: (item[1], item[2])):
            heading = self._last_heading(documents[number - 1])
            if number not in introduced and wanted & set(tokenize(heading)):
                sentence = f"{heading}: {sentence}"
            introduced.add(number)
            parts.append(f"{sentence} [{number}]")
        return " ".join(parts)

    @staticmethod
    def _last_heading(document: Document) -> str:
        heading = str(document.metadata.get("heading", "")).rsplit(HEADING_SEPARATOR, 1)[-1]
        # Page numbers say nothing, and a FAQ question as a prefix would read oddly.
        skip = (
            heading in (document.metadata["title"], "")
            or heading.startswith("Page ")
            or heading.endswith("?")
        )
        return "" if skip else heading

    def stream(self, question: str, documents: Sequence[Document]) -> Iterator[str]:
        """The same answer word by word, so the offline chat streams like an LLM does."""
        words = self.answer(question, documents).split(" ")
        for index, word in enumerate(words):
            yield word if index == len(words) - 1 else word + " "
