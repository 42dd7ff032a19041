"""Answer writers: LangChain chat models, and an offline extractive answerer."""

from __future__ import annotations

import asyncio
import re
import sys
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .bm25_numpy import bm25_scores
from .config import LLMSettings
from .documents import HEADING_SEPARATOR
from .errors import LLMError, MissingExtraError
from .text import split_sentences, tokenize

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

OLLAMA_BASE_URL = "http://localhost:11434/v1"
DEFAULT_ENDPOINTS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
    "ollama": OLLAMA_BASE_URL,
}


class ChatModels:
    """The configured chat model, one instance (and so one HTTP client) per event loop.

    LangChain's OpenAI and Anthropic integrations share a process-wide async HTTP client
    whose keep-alive connections belong to the loop that opened them. The CLI runs one
    loop per process (see `loop.py`); a server or a test may run several, so each loop
    gets a model built for it with a client of its own.
    """

    def __init__(self, build: Callable[[], BaseChatModel]) -> None:
        self._build = build
        self._fixed = False
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BaseChatModel] = (
            weakref.WeakKeyDictionary()
        )
        self._no_loop: BaseChatModel | None = None
        self._lock = threading.Lock()

    @classmethod
    def fixed(cls, model: BaseChatModel) -> ChatModels:
        """One given model everywhere: for fakes, which hold no connections."""
        models = cls(lambda: model)
        models._no_loop = model
        models._fixed = True
        return models

    def current(self) -> BaseChatModel:
        """The model for the running event loop (or for synchronous calls outside any)."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            if loop is None:
                if self._no_loop is None:
                    self._no_loop = self._build()
                return self._no_loop
            model = self._by_loop.get(loop)
            if model is None:
                model = self._by_loop[loop] = self._build()
            return model

    async def aclose(self) -> None:
        """Close the HTTP client of the running loop's model, before that loop ends."""
        with self._lock:
            model = None if self._fixed else self._by_loop.pop(asyncio.get_running_loop(), None)
        if model is not None:
            await _close_client(model)


def build_chat_models(settings: LLMSettings) -> ChatModels | None:
    """The configured chat models, or None for the offline extractive answerer.

    LangChain and the provider SDKs are imported only here, so an offline run never
    pays for them. Ollama, vLLM and most local servers speak the OpenAI API, so one
    client covers them.
    """
    if settings.provider == "none":
        return None
    return ChatModels(lambda: _build_chat_model(settings))


EXTRAS = {"anthropic": "anthropic", "gemini": "gemini"}


def _build_chat_model(settings: LLMSettings) -> BaseChatModel:
    try:
        return _build_for_provider(settings)
    except ImportError as error:
        extra = EXTRAS.get(settings.provider, "openai")
        raise MissingExtraError(
            f"llm provider '{settings.provider}' needs its extra ({error.name} is missing): "
            f"pip install -e '.[{extra}]'"
        ) from None


def _build_for_provider(settings: LLMSettings) -> BaseChatModel:
    api_key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    common: dict[str, Any] = {
        "temperature": settings.temperature,
        "timeout": settings.timeout_s,
        "max_retries": settings.max_retries,
        "api_key": api_key,
    }
    if settings.provider == "anthropic":
        return _anthropic(settings, common)
    if settings.provider == "gemini":
        from langchain_google_genai import ChatGoogleGenerativeAI

        return ChatGoogleGenerativeAI(model=settings.model, base_url=settings.base_url, **common)
    import httpx

    # An async client of this model's own: see ChatModels.
    common["http_async_client"] = httpx.AsyncClient(timeout=settings.timeout_s)
    # Streamed answers report their token usage only when asked to.
    common["stream_usage"] = True
    if settings.provider == "azure-openai":
        from langchain_openai import AzureChatOpenAI

        return AzureChatOpenAI(
            azure_endpoint=settings.azure_endpoint,
            azure_deployment=settings.model,
            api_version=settings.api_version,
            **common,
        )
    from langchain_openai import ChatOpenAI

    base_url = settings.base_url
    if settings.provider == "ollama":
        base_url = base_url or OLLAMA_BASE_URL
    return ChatOpenAI(model=settings.model, base_url=base_url, **common)


async def _close_client(model: BaseChatModel) -> None:
    """Close whichever async client this provider's model opened (if it opened one)."""
    openai_client = getattr(model, "http_async_client", None)
    if openai_client is not None:
        await openai_client.aclose()
    anthropic_client = model.__dict__.get("_async_client")
    if anthropic_client is not None:
        await anthropic_client.close()
    google_client = getattr(model, "client", None)
    if google_client is not None and hasattr(google_client, "aio"):
        await google_client.aio.aclose()


def _anthropic(settings: LLMSettings, common: dict[str, Any]) -> BaseChatModel:
    from functools import cached_property

    import anthropic
    from langchain_anthropic import ChatAnthropic

    class _ChatAnthropic(ChatAnthropic):
        """ChatAnthropic with an async client of its own instead of the shared one."""

        @cached_property
        def _async_client(self) -> anthropic.AsyncClient:
            return anthropic.AsyncClient(**self._client_params)

    return _ChatAnthropic(model_name=settings.model, base_url=settings.base_url, **common)


def endpoint_of(settings: LLMSettings) -> str:
    if settings.provider == "azure-openai":
        return settings.azure_endpoint or "Azure OpenAI"
    return settings.base_url or DEFAULT_ENDPOINTS.get(settings.provider, "the configured URL")


def _failure_kind(error: BaseException) -> tuple[str, int | None, str]:
    """`timeout`, `connection`, `status` or `other`, by exception type, for every SDK in use.

    Only SDKs already imported are looked at: naming one must not import it.
    """
    for name in ("openai", "anthropic"):
        sdk = sys.modules.get(name)
        if sdk is None:
            continue
        if isinstance(error, sdk.APITimeoutError):
            return "timeout", None, ""
        if isinstance(error, sdk.APIConnectionError):
            return "connection", None, ""
        if isinstance(error, sdk.APIStatusError):
            return "status", error.status_code, error.message
    genai_errors = sys.modules.get("google.genai.errors")
    if genai_errors is not None and isinstance(error, genai_errors.APIError):
        return "status", error.code, str(error.message)
    httpx = sys.modules.get("httpx")
    if httpx is not None:
        if isinstance(error, httpx.TimeoutException):
            return "timeout", None, ""
        if isinstance(error, httpx.TransportError):
            return "connection", None, ""
    cause = error.__cause__ or error.__context__
    if cause is not None and cause is not error:
        return _failure_kind(cause)
    return "other", None, str(error)


def explain_llm_error(error: Exception, settings: LLMSettings) -> LLMError:
    """One clear sentence for each way an LLM call fails, naming the endpoint."""
    endpoint = endpoint_of(settings)
    kind, status, message = _failure_kind(error)
    if kind == "timeout":
        return LLMError(
            f"the language model at {endpoint} did not answer within {settings.timeout_s:g} s; "
            "try again, or raise llm.timeout_s"
        )
    if kind == "connection":
        return LLMError(f"cannot reach the language model at {endpoint}: is the server running?")
    if kind == "status":
        return LLMError(
            f"the language model at {endpoint} refused the request (HTTP {status}): {message}"
        )
    return LLMError(f"the language model at {endpoint} failed: {error}")


# A sentence opening with these leans on the one before it ("This module defines ...").
_ANAPHORS = frozenset(
    {"it", "its", "it's", "that", "these", "they", "their", "this", "those", "such", "so"}
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})
_FENCE = "```"


def _first_word(sentence: str) -> str:
    return sentence.split(" ", 1)[0].rstrip(",:;").translate(_APOSTROPHES).lower()


def _with_neighbours(sentences: Sequence[str], position: int) -> list[int]:
    """The chosen sentence's positions together with the neighbours it cannot stand without.

    A sentence ending in a colon, or followed by a code block, introduces what comes next
    ("If you also want complete diffs, use" + the command); one opening with an anaphor
    ("It's driven by ...") or in lower case (the rest of a sentence a code block cut), and
    a code block after prose (its introduction), need the sentence before it.
    """
    chosen = [position]
    sentence = sentences[position]
    if position > 0 and (
        _first_word(sentence) in _ANAPHORS
        or sentence[:1].islower()
        or (sentence.startswith(_FENCE) and not sentences[position - 1].startswith(_FENCE))
    ):
        chosen.insert(0, position - 1)
    following = position + 1
    if following < len(sentences) and (
        sentence.endswith(":") or sentences[following].startswith(_FENCE)
    ):
        chosen.append(following)
    return chosen


# Questions that ask for a procedure, or for a figure: the answer then leans to the
# sentence that introduces a command or code, or to the one that holds a number.
# Users ask after some context ("I'm behind a proxy and ... How do I fix it?"), so the
# patterns are searched anywhere in the question, not only at its start.
_ASKS_HOW_TO = re.compile(
    r"\bhow (?:do|can|should|would|could|might|must) (?:i|we|you|one)\b|\bhow to\b"
    r"|\bis there (?:a|any) (?:\w+ )?(?:way|setting|option|command)\b"
    r"|\bwhat (?:do|should|must|can) (?:i|we) (?:put|add|set|use|write|type|run|configure"
    r"|install|pip install|change|pass|call|wrap|need)\b"
    r"|\bwhere do (?:i|we) (?:tell|put|set|configure|declare|add)\b"
    r"|\bwhat(?:'s| is) the (?:[\w-]+ )?(?:command|option|setting|syntax|directive|flag)\b"
    r"|\bhow\?\s*$",
    re.IGNORECASE,
)
_ASKS_NUMBER = re.compile(
    r"\b(?:how (?:many|much|long|large|big|often|far|old)"
    r"|(?:default|maximum|minimum|max|min)"
    r" (?:value|size|length|number|timeout|limit|version|port)"
    r"|what(?:'s| is) the (?:default|maximum|minimum|limit|size)"
    r"|(?:which|what) (?:port|version|status code|http status|dimensions|size)"
    r"|since which)\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d")
# Inline code, an option, a call, a dotted name or an SQL-like statement in prose.
_CODE_LIKE = re.compile(r"`|(?<!\w)--?[a-z][\w-]*|\w\(|\b\w+\.\w+\b|\b[A-Z]{3,}(?: [A-Z]{2,})+\b")
# How much a sentence of the right kind for the question, and its similarity in meaning
# (cosine, with the embedding model), add to its word-match score (best sentence = 1);
# chosen on the dev corpora of benchmarks/generalisation.py.
KIND_BONUS = 0.3
MEANING_WEIGHT = 1.0
# Sentences read by the embedding model per answer: the best by words, and the lead of
# the best chunk (which may answer in other words). Bounded: each costs model time.
MEANING_CANDIDATES = 12
MEANING_CHARS = 300
# How much a sentence's word-match score is divided down for each chunk it ranks below
# the first, and for each sentence before it in its chunk (a section's lead says most).
# Varied from 0.25 to 1.0 and 0 to 0.2 on the dev corpora: within 0.01 of the best.
CHUNK_PRIOR = 0.5
POSITION_PRIOR = 0.1


def question_kind(question: str) -> str:
    """`how-to`, `number` or `other`: what kind of sentence answers the question."""
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_HOW_TO.search(question):
        return "how-to"
    return "other"


def _is_kind(kind: str, sentences: Sequence[str], position: int) -> bool:
    sentence = sentences[position]
    if kind == "number":
        return bool(_FIGURE.search(sentence))
    if kind == "how-to":
        following = sentences[position + 1] if position + 1 < len(sentences) else ""
        return following.startswith(_FENCE) or bool(_CODE_LIKE.search(sentence))
    return False


class ExtractiveAnswerer:
    """Answer with the retrieved sentences that best match the question, each cited.

    It never writes a word of its own, so it cannot hallucinate; the price is answers
    that read like quotations. It is the default because it needs no language model.

    Sentences are ranked by BM25 over the candidate sentences themselves (so a word
    that every candidate shares, like "Python" in the Python docs, counts for little),
    read under their heading; a section whose heading asks the question ("Why is it
    called Python?") answers it in its lead sentences, which get the heading's match.
    With an embedding model, the best candidates also score by meaning (cosine
    similarity to the question), which finds the sentence that answers in other words;
    and a sentence of the kind the question asks for (a command for "how do I", a figure
    for "how many") gets a bonus; for a how-to, a code block may answer by itself. The best
    sentence comes with up to `following` sentences after it, within `max_chars`: it often
    names the topic and the next one answers. Overlapping chunks share sentences; none is
    quoted twice.

    Up to four picked sentences within 800 characters (about 120 words): chosen on the
    dev corpora of benchmarks/generalisation.py, where it put the key phrase in more
    answers than two sentences within 600 or three within 800 did; the cap on characters,
    not the count, bounds an answer's length, and longer caps gained little for the words
    they add (docs/decisions.md).
    """

    def __init__(
        self,
        max_sentences: int = 4,
        max_chars: int = 800,
        embeddings: Embeddings | None = None,
        following: int = 2,
    ) -> None:
        self.max_sentences = max_sentences
        self.following = following
        self.max_chars = max_chars
        self.embeddings = embeddings

    def answer(self, question: str, documents: Sequence[Document]) -> str:
        wanted = tokenize(question)
        texts = [split_sentences(document.page_content) for document in documents]
        kind = question_kind(question)
        candidates = self._candidates(set(wanted), documents, texts, code=kind == "how-to")
        if self.embeddings is not None and texts:
            # The best chunk's lead may answer with none of the question's words.
            listed = {(number, position) for number, position, _, _ in candidates}
            candidates += [
                (1, position, tokenize(sentence), 0.0)
                for position, sentence in enumerate(texts[0][:3])
                if (1, position) not in listed and _FENCE not in sentence
            ]
        if not candidates:
            return ""
        ranked = self._rank(wanted, candidates)
        ranked = self._by_kind(kind, ranked, texts)
        if self.embeddings is not None:
            ranked = self._by_meaning(question, ranked, texts)
        # A further sentence must earn its place: 40% of the best score or better, and
        # room left under max_chars (the best sentence always goes in).
        picked: set[tuple[int, int]] = set()
        length = 0
        # Overlapping chunks repeat sentences: one already quoted is not quoted again.
        quoted: set[str] = set()
        chosen = 0
        for score, number, position in ranked:
            if chosen == self.max_sentences or score < 0.4 * ranked[0][0]:
                break
            if texts[number - 1][position] in quoted:
                continue
            chosen += 1
            group = {(number, i) for i in _with_neighbours(texts[number - 1], position)}
            group = {(n, i) for n, i in group if texts[n - 1][i] not in quoted}
            added = sum(len(texts[n - 1][i]) for n, i in group - picked)
            if picked and length + added > self.max_chars:
                break
            if not picked:
                # The best sentence often names the topic and the next one answers.
                sentences = texts[number - 1]
                following = max(i for _, i in group) + 1
                while following < len(sentences) and len(group) < 1 + self.following:
                    extra = len(sentences[following])
                    if added + extra > self.max_chars:
                        break
                    group.add((number, following))
                    added += extra
                    following += 1
            picked |= group
            quoted |= {texts[n - 1][i] for n, i in group}
            length += added
        return self._quote(set(wanted), documents, texts, picked)

    @staticmethod
    def _candidates(
        wanted: set[str], documents: Sequence[Document], texts: list[list[str]], code: bool
    ) -> list[tuple[int, int, list[str], float]]:
        """(chunk number, position, terms, lead) of each sentence that may open an answer.

        A sentence must share a word with the question (headings only boost it), unless
        it opens a section whose heading asks the question: "It's driven by the desire
        that i % j have the same sign as j" answers "Why does -22 // 10 return -3?". A
        FAQ row's question repeats the user's words but answers nothing, and a code block
        is quoted only after the sentence that introduces it, unless the question asks how
        to do something (`code`): then the block itself may answer, and brings its
        introduction along.
        """
        found = []
        for number in range(1, len(documents) + 1):
            meta = documents[number - 1].metadata
            heading = tokenize(str(meta.get("heading", "")).rsplit(HEADING_SEPARATOR, 1)[-1])
            shared = len(wanted & set(heading))
            # Half the question's words, and two at least: one shared word is chance.
            covered = shared / len(wanted) if shared >= 2 and 2 * shared >= len(wanted) else 0.0
            for position, sentence in enumerate(texts[number - 1]):
                lead = covered / (1 + position)
                terms = tokenize(sentence)
                if sentence.endswith("?") or (_FENCE in sentence and not code):
                    continue
                if wanted & set(terms) or lead:
                    found.append((number, position, terms + heading, lead))
        return found

    def _rank(
        self, wanted: list[str], candidates: list[tuple[int, int, list[str], float]]
    ) -> list[tuple[float, int, int]]:
        """Candidates best first as (score, chunk number, position)."""
        scores = bm25_scores([terms for _, _, terms, _ in candidates], wanted)
        top = float(scores.max()) or 1.0
        ranked = []
        for (number, position, _, lead), score in zip(candidates, scores, strict=True):
            # Prefer better-ranked chunks, and the lead sentences of a section.
            prior = (1 + CHUNK_PRIOR * (number - 1)) * (1 + POSITION_PRIOR * position)
            ranked.append(((float(score) / top + lead) / prior, number, position))
        return sorted(ranked, key=lambda item: (-item[0], item[1], item[2]))

    @staticmethod
    def _by_kind(
        kind: str, ranked: list[tuple[float, int, int]], texts: list[list[str]]
    ) -> list[tuple[float, int, int]]:
        if kind == "other":
            return ranked
        rescored = [
            (score + KIND_BONUS * _is_kind(kind, texts[number - 1], position), number, position)
            for score, number, position in ranked
        ]
        return sorted(rescored, key=lambda item: (-item[0], item[1], item[2]))

    def _by_meaning(
        self, question: str, ranked: list[tuple[float, int, int]], texts: list[list[str]]
    ) -> list[tuple[float, int, int]]:
        assert self.embeddings is not None
        head = ranked[:MEANING_CANDIDATES]
        # The start of a sentence says what it is about; a long one would pad the batch.
        sentences = [texts[number - 1][position][:MEANING_CHARS] for _, number, position in head]
        vectors = np.asarray(
            [self.embeddings.embed_query(question), *self.embeddings.embed_documents(sentences)]
        )
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        similarity = vectors[1:] @ vectors[0]
        rescored = [
            (score + MEANING_WEIGHT * float(cosine), number, position)
            for (score, number, position), cosine in zip(head, similarity, strict=True)
        ]
        return sorted(rescored, key=lambda item: (-item[0], item[1], item[2]))

    def _quote(
        self,
        wanted: set[str],
        documents: Sequence[Document],
        texts: list[list[str]],
        picked: set[tuple[int, int]],
    ) -> str:
        parts = []
        introduced: set[int] = set()  # say a heading once per chunk, not before each sentence
        for number, position in sorted(picked):
            sentence = texts[number - 1][position]
            heading = self._last_heading(documents[number - 1])
            # A heading that shares the question's words, or names an API entry (its
            # signature: "redirect(location, code=302)"), says what the sentence is about.
            names_entry = "(" in heading or bool(_CODE_LIKE.search(heading))
            if number not in introduced and (names_entry or wanted & set(tokenize(heading))):
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
