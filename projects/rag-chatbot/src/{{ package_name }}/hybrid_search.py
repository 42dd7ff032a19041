"""Find the chunks that answer a question: BM25, optional dense search, fusion.

The LangChain retriever that adds the optional reranker is in `langchain_retriever.py`.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .bm25_numpy import SavedBM25
from .config import RetrievalSettings, Settings
from .documents import Chunk, Hit
from .errors import ConfigError
from .text import names_in, split_sentences, tokenize

if TYPE_CHECKING:
    # Only names: LangChain's retrievers import its tracers, which would slow every
    # offline `ask`; see langchain_retriever.py for the LangChain retriever.
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

    from .index import IndexSnapshot
    from .vectorstores import VectorIndex

logger = logging.getLogger(__name__)

BM25_FOLDER = "bm25"
HEADINGS_FOLDER = "bm25-headings"
# How much the title-and-headings field counts beside the body, chosen on the dev split of
# benchmarks/eval_real_docs.py (0.3 beat 0 and 0.7 on both corpora's chunk hit@1).
HEADING_FIELD_WEIGHT = 0.3


class BM25Scores(Protocol):
    """What a query needs of a BM25 index: bm25s's own, or its saved files read back."""

    vocab_dict: dict[str, int]
    scores: dict[str, Any]

    def get_scores(self, query_tokens_single: list[str]) -> np.ndarray: ...


def _idf(total: int, frequency: int) -> float:
    """BM25's inverse document frequency (the Lucene variant, never negative)."""
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


class LexicalIndex:
    """BM25 over chunk text with bm25s, plus a second field of titles and headings.

    bm25s precomputes sparse score matrices at index time, so a query is a sparse lookup
    rather than a pass over every document (see benchmarks/). The headings field has its
    own BM25 statistics: a FAQ entry titled "Why is it called Python?" matches the
    question by its heading, which a long body would otherwise drown out.
    """

    def __init__(
        self, chunks: Sequence[Chunk], bm25: BM25Scores, headings: BM25Scores | None = None
    ) -> None:
        self.chunks = list(chunks)
        self._bm25 = bm25
        self._headings = headings
        vocab: dict[str, int] = bm25.vocab_dict
        # Column pointers of the CSC score matrix: their differences are document frequencies.
        frequencies = np.diff(np.asarray(bm25.scores["indptr"]))
        total = max(len(self.chunks), 1)
        self._idf = {
            token: _idf(total, int(frequencies[i]))
            for token, i in vocab.items()
            if i < len(frequencies)
        }
        self._unseen_idf = _idf(total, 0)

    @classmethod
    def build(cls, chunks: Sequence[Chunk], heading_weight: int = 1) -> LexicalIndex:
        """Index the chunks; `heading_weight` counts title and headings that many times.

        In manual pages and FAQs the heading often names the topic ("pre-push", "How do
        I copy a file?") that the body never repeats; weighing it more helps such chunks.
        bm25s is imported here, not at the top: it imports scipy.sparse, which a query,
        reading the saved files with `SavedBM25`, never needs.
        """
        import bm25s

        # bm25s pins its logger to DEBUG when imported; hand the level back to the application.
        logging.getLogger("bm25s").setLevel(logging.NOTSET)
        bm25 = bm25s.BM25()
        bm25.index(
            [
                tokenize(f"{chunk.title}\n{chunk.heading}") * heading_weight + tokenize(chunk.text)
                for chunk in chunks
            ],
            show_progress=False,
        )
        heading_tokens = [tokenize(f"{chunk.title}\n{chunk.heading}") for chunk in chunks]
        headings = None
        # Text without titles or headings (bm25s refuses an empty vocabulary) searches the
        # body alone, as an index saved before the headings field does.
        if any(heading_tokens):
            headings = bm25s.BM25()
            headings.index(heading_tokens, show_progress=False)
        return cls(chunks, bm25, headings)

    def save(self, folder: Path) -> None:
        """Write bm25s's files; only an index built by `build` (bm25s's own) has them to write."""
        for field, index in ((BM25_FOLDER, self._bm25), (HEADINGS_FOLDER, self._headings)):
            if index is not None:
                index.save(folder / field, show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, folder: Path, chunks: Sequence[Chunk]) -> LexicalIndex:
        """Load the index; one written before the headings field searches the body alone.

        The next `ingest` rebuilds both fields, whether or not any file changed.
        """
        bm25 = SavedBM25.load(folder / BM25_FOLDER)
        headings = None
        if (folder / HEADINGS_FOLDER).is_dir():
            headings = SavedBM25.load(folder / HEADINGS_FOLDER)
        return cls(chunks, bm25, headings)

    def search(self, query: str, k: int) -> list[Hit]:
        """The `k` best chunks by body BM25 plus the weighted headings-field BM25."""
        query_tokens = tokenize(query)
        tokens = [token for token in query_tokens if token in self._bm25.vocab_dict]
        if not tokens or not self.chunks:
            return []
        scores = self._bm25.get_scores(tokens)
        if self._headings is not None:
            in_headings = [token for token in query_tokens if token in self._headings.vocab_dict]
            if in_headings:
                scores = scores + HEADING_FIELD_WEIGHT * self._headings.get_scores(in_headings)
        top = np.argsort(-scores, kind="stable")[: min(k, len(self.chunks))]
        return [Hit(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

    def coverage(self, query: str, chunk: Chunk) -> float:
        """Share of the question's information (IDF-weighted terms) found in the chunk.

        A question about something the documents never mention scores near 0 whatever
        BM25's absolute numbers say, which makes this a usable abstention signal.
        """
        wanted = set(tokenize(query))
        if not wanted:
            return 0.0
        present = set(tokenize(chunk.search_text))
        weights = {token: self._idf.get(token, self._unseen_idf) for token in wanted}
        return sum(weights[token] for token in wanted & present) / sum(weights.values())

    def unknown_names(self, query: str) -> list[str]:
        """The names in the question (`text.names_in`) that no chunk mentions.

        "How do I deploy to Heroku?" asked of documents that never say "Heroku" is
        about something else, however well the rest of it matches.
        """
        vocabulary = self._bm25.vocab_dict
        return [
            name
            for name in names_in(query)
            if (stems := tokenize(name)) and not any(stem in vocabulary for stem in stems)
        ]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Hit]], k: int = 60) -> list[Hit]:
    """Merge rankings by summing 1 / (k + rank) for each chunk.

    Ranks, unlike raw scores, are comparable between BM25 and cosine similarity, which
    is why hybrid search fuses them this way.
    """
    scores: dict[str, float] = defaultdict(float)
    chunks: dict[str, Chunk] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.chunk.chunk_id] += 1.0 / (k + rank)
            chunks[hit.chunk.chunk_id] = hit.chunk
    order = sorted(scores, key=lambda chunk_id: (-scores[chunk_id], chunk_id))
    return [Hit(chunks[chunk_id], scores[chunk_id]) for chunk_id in order]


class DenseRetriever:
    """Nearest neighbours of the query embedding in a vector index."""

    def __init__(
        self, index: VectorIndex, chunks: Sequence[Chunk], embeddings: Embeddings | None = None
    ) -> None:
        self.index = index
        self.embeddings = embeddings
        """The model that embeds queries, when known (the extractive answerer reuses it)."""
        self._chunks = {chunk.chunk_id: chunk for chunk in chunks}

    def search(self, query: str, k: int) -> list[Hit]:
        return [
            Hit(self._chunks[chunk_id], score)
            for chunk_id, score in self.index.search(query, k)
            if chunk_id in self._chunks
        ]


def open_dense(
    snapshot: IndexSnapshot, settings: Settings, embeddings: Embeddings
) -> DenseRetriever:
    """Dense search over the snapshot's vectors; refuses vectors of another model."""
    from .vectorstores import open_vector_index

    if snapshot.embedding_model != settings.embeddings.model:
        raise ConfigError(
            f"the index was built without embeddings model '{settings.embeddings.model}': "
            "run `ingest` again to add its vectors"
        )
    vectors = open_vector_index(embeddings, settings.vector_store, snapshot.path)
    return DenseRetriever(vectors, snapshot.chunks, embeddings)


def rank_documents(
    query: str,
    lexical: LexicalIndex,
    settings: RetrievalSettings,
    dense: DenseRetriever | None = None,
) -> list[Document]:
    """The fused candidates, best first, as Documents, before any reranking and cut.

    Metadata: `source`, `title`, `heading`, `chunk_id`, `score` (the ranking score: BM25,
    or RRF when fused), `relevance` (how much of the question the chunk covers, 0 to 1;
    see `confidence_of`) and the signals it comes from: `coverage`, `similarity` and
    `unknown_names`. `HybridRetriever` (langchain_retriever.py) wraps this for LangChain;
    the offline `ask` calls it directly.
    """
    candidates = settings.candidates
    lexical_hits = lexical.search(query, candidates)
    dense_hits = dense.search(query, candidates) if dense else []
    if dense is None:
        hits = lexical_hits
    else:
        hits = reciprocal_rank_fusion([lexical_hits, dense_hits], k=settings.rrf_k)
    similarity = {hit.chunk.chunk_id: hit.score for hit in dense_hits}
    # A chunk the dense search did not return is at most as similar as the last it did.
    bound = min(similarity.values(), default=0.0)
    terms = question_terms(query)
    unknown = lexical.unknown_names(query)
    documents = []
    for hit in hits:
        coverage = lexical.coverage(query, hit.chunk)
        cosine = similarity.get(hit.chunk.chunk_id, bound)
        document = hit.chunk.to_document(
            score=hit.score,
            relevance=relevance_of(coverage, cosine if dense else None, terms, bool(unknown)),
        )
        document.metadata |= {
            "coverage": coverage,
            "similarity": cosine,
            "unknown_names": list(unknown),
        }
        documents.append(document)
    return documents


# Sentences as scored for relevance: the start of a sentence says what it is about; code
# blocks say little to a sentence encoder, and a fragment of a few words matches too easily.
SENTENCE_CHARS = 300
MIN_SENTENCE_CHARS = 21


def rescore_by_sentences(
    query: str, documents: Sequence[Document], embeddings: Embeddings
) -> list[Document]:
    """The documents with `relevance` from their best sentence's similarity, not the chunk's.

    A chunk's embedding averages all it says, so a question answered by one sentence of a
    long chunk scores as low as a plausible question the chunk does not answer. Scoring
    the best sentence separates the two better, and the threshold chosen on some corpora
    holds better on others (benchmarks/generalisation.py, leaving one dev corpus out).
    Costs one batch of sentence embeddings per question, so only the chunks read (top_k).
    """
    sentences = [
        [
            sentence[:SENTENCE_CHARS]
            for sentence in split_sentences(doc.page_content)
            if "```" not in sentence and len(sentence) >= MIN_SENTENCE_CHARS
        ]
        for doc in documents
    ]
    flat = [sentence for group in sentences for sentence in group]
    if not flat:
        return list(documents)
    vectors = np.asarray([embeddings.embed_query(query), *embeddings.embed_documents(flat)])
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cosines = vectors[1:] @ vectors[0]
    terms = question_terms(query)
    rescored = []
    start = 0
    for document, group in zip(documents, sentences, strict=True):
        best = float(cosines[start : start + len(group)].max()) if group else 0.0
        start += len(group)
        coverage = float(document.metadata.get("coverage", 0.0))
        names_unknown = bool(document.metadata.get("unknown_names"))
        metadata = document.metadata | {
            "sentence_similarity": best,
            "relevance": relevance_of(coverage, best, terms, names_unknown),
        }
        rescored.append(document.model_copy(update={"metadata": metadata}))
    return rescored


# How much a question's length lifts relevance, per natural-log unit of its distinct terms,
# and how much naming something the documents never mention lowers it. Chosen with the
# threshold on the dev corpora of benchmarks/generalisation.py, leaving one corpus out in
# turn (docs/decisions.md, "Abstention").
LENGTH_WEIGHT = 0.1
UNKNOWN_NAME_PENALTY = 0.1


def question_terms(query: str) -> int:
    """How many distinct terms (stems, stop words left out) the question has."""
    return len(set(tokenize(query)))


def relevance_of(
    coverage: float, cosine: float | None, terms: int = 1, names_unknown: bool = False
) -> float:
    """How well a chunk answers the question, 0 to 1.

    Lexically, the IDF-weighted share of the question's terms it holds. With dense
    retrieval, the mean of that and its cosine similarity to the question: a question
    asked in other words holds few of the chunk's terms, and a plausible question the
    documents do not answer is still fairly similar to chunks on its topic, so neither
    alone separates the two. The mean did best on the dev corpora of
    benchmarks/generalisation.py (against either signal alone or their maximum).

    Both signals fall as a question grows, whether or not the documents answer it: a
    user who explains their setup ("my app sits behind a proxy that ...") adds terms no
    answer repeats and blurs the question's embedding. With dense retrieval the mean is
    lifted by `LENGTH_WEIGHT * ln(terms)` (at most to 1), so that one threshold serves
    terse and wordy questions alike.

    A plausible question the documents do not answer often names a tool, product or
    service they never mention ("Roundcube", "PgBouncer", "Heroku") while its other words
    match chunks on the topic well. With dense retrieval the relevance is lowered by
    `UNKNOWN_NAME_PENALTY` when the question holds any such name (`names_unknown`), once
    however many: not to 0, since a user also names their own setting in passing ("on my
    Mac").
    Lexical coverage alone is left as it is; an unknown name already weighs in it at the
    highest IDF.
    """
    if cosine is None:
        return coverage
    lift = LENGTH_WEIGHT * math.log(max(terms, 1))
    penalty = UNKNOWN_NAME_PENALTY if names_unknown else 0.0
    return max(0.0, min(1.0, (coverage + max(cosine, 0.0)) / 2 + lift) - penalty)


def confidence_of(documents: Sequence[Document]) -> float:
    """How sure retrieval is that these documents answer the question: the best relevance.

    A question about something the documents never mention scores near 0 whatever the
    ranking scores say; the chain abstains below `retrieval.min_confidence`.
    """
    return max((float(doc.metadata.get("relevance", 0.0)) for doc in documents), default=0.0)
