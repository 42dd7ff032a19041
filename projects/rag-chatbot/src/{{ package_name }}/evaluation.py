"""Offline evaluation: retrieval hit@k and MRR, abstention, latency, optional LLM judge.

A question may carry the key phrase of its answer: then a hit is a retrieved chunk that
contains the phrase (not merely the right file), and an answer counts as correct only
if it contains the phrase too. Questions may also name a split, so the abstention
threshold is tuned on `dev` and reported on `test` (`tune_threshold`).
"""

from __future__ import annotations

import io
import itertools
import json
import re
import statistics
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import BaseModel

from . import loop
from .chain import Answer, ChatEngine
from .config import CONFIGURED, LLMSettings, Settings
from .errors import ChatbotError
from .ingest import ingest
from .langchain_retriever import HybridRetriever
from .prompts import ABSTAIN_MESSAGE
from .service import build_engine

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from matplotlib.axes import Axes

    from .judging import Judgement
    from .social_preview import Card

TIMING_MARKER = "<!-- timing: machine-dependent, excluded from reproducibility checks -->"


class EvalQuestion(BaseModel):
    """One line of the question set; `expected_source` is None for unanswerable ones.

    `key` is a phrase the answer must contain, copied from the document; `split` says
    whether the question may be used for tuning (`dev`) or only for reporting (`test`).
    """

    question: str
    expected_source: str | None = None
    key: str | None = None
    split: Literal["dev", "test"] | None = None


@dataclass
class ItemResult:
    """How one question fared: the rank of its expected source and whether it abstained.

    `key_rank` is the rank of the first retrieved chunk containing the key phrase, and
    `answer_has_key` whether the answer contains it (None for questions without a key).
    """

    question: str
    expected_source: str | None
    rank: int | None
    abstained: bool
    answer: str
    top_sources: list[str]
    faithful: float | None = None
    key: str | None = None
    key_rank: int | None = None
    answer_has_key: bool | None = None
    confidence: float = 0.0
    # With an LLM only (left out of the JSON otherwise): the judge's scores, the tokens of
    # the answer and those of the three judge calls.
    judgement: dict[str, float | None] | None = None
    usage: dict[str, int] | None = None
    judge_usage: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        optional = {"judgement", "usage", "judge_usage"}
        return {k: v for k, v in data.items() if k not in optional or v}


@dataclass
class EvalReport:
    """Quality metrics (deterministic offline) and timings (machine-dependent)."""

    setup: dict[str, Any]
    metrics: dict[str, float | None]
    items: list[ItemResult]
    timing: dict[str, float] = field(default_factory=dict)
    llm_usage: dict[str, float] = field(default_factory=dict)
    """Tokens the answers and the judge used, and their cost when prices are configured."""

    @property
    def depth(self) -> int:
        """How many chunks a hit may rank within: the `top_k` the answer reads."""
        return int(self.setup["top_k"])

    def headline(self) -> str:
        m, k = self.metrics, self.depth
        return (
            f"hit@1 {m['hit@1']:.3f}  hit@{k} {m[f'hit@{k}']:.3f}  MRR {m['mrr']:.3f}  "
            f"abstention precision {m['abstention_precision']:.3f} "
            f"recall {m['abstention_recall']:.3f}  "
            f"latency p50 {self.timing['p50_ms']:.1f} ms p95 {self.timing['p95_ms']:.1f} ms"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "setup": self.setup,
            "metrics": self.metrics,
            "timing": self.timing,
            "items": [item.to_json() for item in self.items],
            **({"llm_usage": self.llm_usage} if self.llm_usage else {}),
        }


def load_questions(path: Path) -> list[EvalQuestion]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                questions.append(EvalQuestion.model_validate_json(line))
            except ValueError as error:
                raise ChatbotError(f"{path}:{number}: not a question record ({error})") from None
    if not questions:
        raise ChatbotError(f"{path} holds no questions")
    return questions


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """Compare text as a reader would: case, curly quotes and spacing do not matter."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return re.sub(r"\s+", " ", text).strip()


def contains_key(text: str, key: str) -> bool:
    return normalize(key) in normalize(text)


def _as_read(document: Document) -> str:
    """A chunk as the answerer reads it: under its title and heading path."""
    meta = document.metadata
    return f"{meta['title']}\n{meta.get('heading', '')}\n{document.page_content}"


def _relative(source: str, docs: Path) -> str:
    path = Path(source)
    try:
        return path.resolve().relative_to(docs.resolve()).as_posix()
    except ValueError:
        return source


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _describe_model(chat_model: BaseChatModel | None) -> str:
    if chat_model is None:
        return "extractive (offline)"
    name = getattr(chat_model, "model_name", None) or type(chat_model).__name__
    return f"LLM {name}"


def _judge(engine: ChatEngine, question: str, answer: Answer) -> Judgement:
    from .judging import judge

    async def run() -> Judgement:
        assert engine.chat_model is not None
        return await judge(engine.chat_model, question, answer)

    return loop.run(run())  # the answers' loop, so the judge reuses their connection


def _is_hybrid(retriever: BaseRetriever) -> bool:
    """Whether dense search joined BM25 (the engine `run_evaluation` builds always has it)."""
    return isinstance(retriever, HybridRetriever) and retriever.dense is not None


def _mean(values: Sequence[float | None]) -> float | None:
    scored = [value for value in values if value is not None]
    return round(statistics.mean(scored), 4) if scored else None


def _total(usages: Sequence[dict[str, int]], key: str) -> int:
    return sum(usage.get(key, 0) for usage in usages)


def usage_summary(items: list[ItemResult], prices: LLMSettings) -> dict[str, float]:
    """Tokens the answers and the judge used, and their cost in dollars when priced.

    `input_tokens` and `output_tokens` count both, as the bill does (the judge is the same
    model); the `judge_` entries say how much of that the judging took.
    """
    answers = [item.usage for item in items if item.usage]
    judging = [item.judge_usage for item in items if item.judge_usage]
    tokens_in = _total(answers, "input_tokens") + _total(judging, "input_tokens")
    tokens_out = _total(answers, "output_tokens") + _total(judging, "output_tokens")
    summary: dict[str, float] = {
        "llm_answers": len(answers),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "judged_answers": len(judging),
        "judge_input_tokens": _total(judging, "input_tokens"),
        "judge_output_tokens": _total(judging, "output_tokens"),
    }
    if prices.input_price_per_mtok is not None and prices.output_price_per_mtok is not None:
        cost = tokens_in * prices.input_price_per_mtok + tokens_out * prices.output_price_per_mtok
        summary["cost_usd"] = round(cost / 1_000_000, 6)
    return summary


def evaluate_engine(
    engine: ChatEngine, questions: list[EvalQuestion], docs: Path
) -> tuple[dict[str, float | None], list[ItemResult], dict[str, float]]:
    """Score every question; hits count the `retrieval.top_k` chunks the answer reads."""
    depth = engine.settings.retrieval.top_k
    items, latencies = [], []
    for item in questions:
        hits = engine.retriever.invoke(item.question, k=depth)
        top = [_relative(hit.metadata["source"], docs) for hit in hits]
        rank = next(
            (i for i, source in enumerate(top, start=1) if source == item.expected_source), None
        )
        key_rank = None
        if item.key:
            found = (i for i, hit in enumerate(hits, 1) if contains_key(_as_read(hit), item.key))
            key_rank = next(found, None)
        started = time.perf_counter()
        answer = engine.ask(item.question)
        latencies.append((time.perf_counter() - started) * 1000)
        judgement = None
        if engine.chat_model is not None and not answer.abstained:
            judgement = _judge(engine, item.question, answer)
        scores = judgement.scores() if judgement else None
        items.append(
            ItemResult(
                item.question,
                item.expected_source,
                rank,
                answer.abstained,
                answer.answer,
                top,
                scores["faithfulness"] if scores else None,
                item.key,
                key_rank,
                None if item.key is None else contains_key(answer.answer, item.key),
                answer.confidence,
                scores,
                answer.usage or None,
                (judgement.usage or None) if judgement else None,
            )
        )
    return (
        score(items, depth),
        items,
        {
            "p50_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(_percentile(latencies, 0.95), 2),
        },
    )


def score(items: list[ItemResult], depth: int) -> dict[str, float | None]:
    """The report's metrics for scored items; key-phrase metrics are None without keys.

    `depth` is how many chunks were retrieved per question (`retrieval.top_k`): hit@k is
    named after it, so the report never counts chunks the answer did not read.
    """
    answerable = [item for item in items if item.expected_source is not None]
    unanswerable = [item for item in items if item.expected_source is None]
    abstained = [item for item in items if item.abstained]
    correct_abstentions = [item for item in abstained if item.expected_source is None]
    judged = [item.faithful for item in items if item.faithful is not None]

    def share(count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    metrics: dict[str, float | None] = {
        "questions": len(items),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": share(sum(item.rank == 1 for item in answerable), len(answerable)),
        f"hit@{depth}": share(sum(item.rank is not None for item in answerable), len(answerable)),
        "mrr": round(
            sum(1 / item.rank for item in answerable if item.rank) / max(len(answerable), 1), 4
        ),
        "abstention_precision": share(len(correct_abstentions), len(abstained)),
        "abstention_recall": share(len(correct_abstentions), len(unanswerable)),
        "answered_when_answerable": share(
            sum(not item.abstained for item in answerable), len(answerable)
        ),
        "faithfulness": _mean(judged) if judged else None,
    }
    if any(item.judgement for item in items):
        for name in ("answer_relevance", "context_precision"):
            metrics[name] = _mean([item.judgement[name] for item in items if item.judgement])
    keyed = [item for item in answerable if item.key]
    metrics.update(
        {
            "chunk_hit@1": share(sum(item.key_rank == 1 for item in keyed), len(keyed)),
            f"chunk_hit@{depth}": share(
                sum(item.key_rank is not None for item in keyed), len(keyed)
            ),
            "answer_contains_key": share(
                sum(bool(item.answer_has_key) for item in keyed), len(keyed)
            ),
            "false_abstention": share(sum(item.abstained for item in answerable), len(answerable)),
        }
        if keyed
        else dict.fromkeys(
            ("chunk_hit@1", f"chunk_hit@{depth}", "answer_contains_key", "false_abstention")
        )
    )
    return metrics


def apply_threshold(items: list[ItemResult], threshold: float) -> list[ItemResult]:
    """The items as they would have come out with `retrieval.min_confidence = threshold`.

    Items must come from a run with threshold 0: the chain abstains below the threshold
    without writing an answer, so raising it only turns answers into abstentions.
    """
    return [
        replace(
            item,
            abstained=True,
            answer=ABSTAIN_MESSAGE,
            answer_has_key=None if item.key is None else False,
        )
        if item.confidence < threshold and not item.abstained
        else item
        for item in items
    ]


def tune_threshold(items: list[ItemResult]) -> float:
    """The abstention threshold that best separates answerable from unanswerable questions.

    It maximises the share of answerable questions answered plus the share of unanswerable
    ones declined (each side weighs the same however many questions it has), and sits
    halfway between the two confidences it separates, the lowest such on a tie.
    """
    answerable = [item.confidence for item in items if item.expected_source is not None]
    unanswerable = [item.confidence for item in items if item.expected_source is None]
    values = sorted({0.0, *answerable, *unanswerable, 1.0})
    candidates: list[float] = [0.0, *((a + b) / 2 for a, b in itertools.pairwise(values))]

    def balance(threshold: float) -> float:
        answered = sum(c >= threshold for c in answerable) / max(len(answerable), 1)
        declined = sum(c < threshold for c in unanswerable) / max(len(unanswerable), 1)
        return answered + declined

    best = max(candidates, key=lambda threshold: (balance(threshold), -threshold))
    return round(best, 4)


def run_evaluation(
    settings: Settings,
    docs: Path,
    questions_file: Path,
    *,
    chat_model: BaseChatModel | None = CONFIGURED,
) -> EvalReport:
    """Index `docs` into a throwaway folder and score the chain on every question.

    The user's own index is left alone. `chat_model` defaults to the configured one.
    """
    questions = load_questions(questions_file)
    with tempfile.TemporaryDirectory(prefix="rag-eval-") as scratch:
        scoped = settings.model_copy(update={"data_dir": Path(scratch)})
        ingest([docs], scoped)
        engine = build_engine(scoped, chat_model=chat_model)
        try:
            metrics, items, timing = evaluate_engine(engine, questions, docs)
        finally:
            engine.close()
    setup = {
        "retrieval": "bm25s"
        + (f" + {settings.embeddings.provider} (RRF)" if _is_hybrid(engine.retriever) else ""),
        "answerer": _describe_model(engine.chat_model),
        "top_k": settings.retrieval.top_k,
        "min_confidence": settings.retrieval.min_confidence,
    }
    llm_usage = usage_summary(items, settings.llm) if engine.models else {}
    return EvalReport(setup, metrics, items, timing, llm_usage)


def _usage_lines(usage: dict[str, float]) -> list[str]:
    if not usage:
        return []
    line = (
        f"LLM tokens over {usage['llm_answers']:.0f} answers and "
        f"{usage['judged_answers']:.0f} judgements: {usage['input_tokens']:.0f} in, "
        f"{usage['output_tokens']:.0f} out (the judge's share: "
        f"{usage['judge_input_tokens']:.0f} in, {usage['judge_output_tokens']:.0f} out)"
    )
    if "cost_usd" in usage:
        line += f"; cost ${usage['cost_usd']:.4f}"
    return [line + "."]


def render_markdown(report: EvalReport) -> str:
    m, s, k = report.metrics, report.setup, report.depth

    def fmt(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        "# Evaluation",
        "",
        f"Retrieval: {s['retrieval']}; answerer: {s['answerer']}; top_k {s['top_k']}; "
        f"abstain below confidence {s['min_confidence']}.",
        f"{m['questions']:.0f} questions: {m['answerable']:.0f} answerable from the documents, "
        f"{m['unanswerable']:.0f} not.",
        "",
        "| Metric | Value |",
        "| --- | --- |",
        f"| hit@1 | {fmt(m['hit@1'])} |",
        f"| hit@{k} | {fmt(m[f'hit@{k}'])} |",
        f"| MRR (within {k}) | {fmt(m['mrr'])} |",
        f"| abstention precision | {fmt(m['abstention_precision'])} |",
        f"| abstention recall | {fmt(m['abstention_recall'])} |",
        f"| answered when answerable | {fmt(m['answered_when_answerable'])} |",
        f"| faithfulness (LLM judge) | {fmt(m['faithfulness'])} |",
        *(
            [
                f"| chunk hit@1 (holds the key phrase) | {fmt(m['chunk_hit@1'])} |",
                f"| chunk hit@{k} (holds the key phrase) | {fmt(m[f'chunk_hit@{k}'])} |",
                f"| answer contains the key phrase | {fmt(m['answer_contains_key'])} |",
                f"| false abstention | {fmt(m['false_abstention'])} |",
            ]
            if m["chunk_hit@1"] is not None
            else []
        ),
        *(
            f"| {name.replace('_', ' ')} (LLM judge) | {fmt(m[name])} |"
            for name in ("answer_relevance", "context_precision")
            if name in m
        ),
        "",
        TIMING_MARKER,
        f"Latency per question (retrieve and answer): p50 {report.timing['p50_ms']:.1f} ms, "
        f"p95 {report.timing['p95_ms']:.1f} ms.",
        *_usage_lines(report.llm_usage),
        "",
        "## Per question",
        "",
        "| Question | Expected source | Rank | Abstained |",
        "| --- | --- | --- | --- |",
    ]
    for item in report.items:
        expected = f"`{item.expected_source}`" if item.expected_source else "(unanswerable)"
        rank = str(item.rank) if item.rank else "-"
        lines.append(
            f"| {item.question} | {expected} | {rank} | {'yes' if item.abstained else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def render_plot(report: EvalReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # SVG is text: the shipped plot diffs in review, and a fixed salt and no date keep
    # it byte-identical from run to run.
    plt.rcParams["svg.hashsalt"] = "eval"
    plt.rcParams["svg.fonttype"] = "none"  # real <text>, not glyph outlines

    k = report.depth
    names = ["hit@1", f"hit@{k}", "mrr", "abstention_precision", "abstention_recall"]
    labels = ["hit@1", f"hit@{k}", "MRR", "abstain\nprecision", "abstain\nrecall"]
    values = [report.metrics[name] or 0.0 for name in names]
    figure, axis = plt.subplots(figsize=(7, 3.5))
    bars = axis.bar(labels, values, color="#3b6ea5")
    axis.bar_label(bars, fmt="%.2f", padding=2)
    axis.set_ylim(0, 1.1)
    axis.set_title(f"Retrieval and abstention on {report.metrics['questions']:.0f} questions")
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    # matplotlib ends path lines with a space; strip it so editors and hooks leave it alone.
    lines = (line.rstrip() for line in buffer.getvalue().splitlines())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def social_card(report: EvalReport) -> Card:
    """The repository card: retrieval hits, answers holding the key phrase, abstention."""
    from .social_preview import ACCENT, Card, Headline  # loads matplotlib: only when drawn

    metrics, k = report.metrics, report.depth

    def percent(name: str) -> str:
        value = metrics.get(name)
        return "-" if value is None else f"{value:.0%}"

    def plot(axes: Axes) -> None:
        names = ["hit@1", f"hit@{k}", "answer_contains_key", "abstention_recall"]
        labels = ["hit@1", f"hit@{k}", "answer\nhas key", "abstain\nrecall"]
        bars = axes.bar(labels, [metrics.get(name) or 0.0 for name in names], color=ACCENT)
        axes.bar_label(bars, labels=[percent(name) for name in names], padding=2)
        axes.set_ylim(0, 1.15)
        axes.set_yticks([])

    return Card(
        headlines=[
            Headline("hit@1: right source ranked first", percent("hit@1")),
            Headline(f"hit@{k}: right source in the {k} chunks read", percent(f"hit@{k}")),
            Headline("answers quoting the key phrase", percent("answer_contains_key")),
            Headline(
                f"of {metrics['unanswerable']:.0f} off-topic questions declined",
                percent("abstention_recall"),
            ),
        ],
        plot=plot,
    )


def write_report(report: EvalReport, out: Path) -> list[Path]:
    """Write eval.md, eval.json, eval.svg and the social-preview card into `out`."""
    from .social_preview import FILE_NAME, render

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "eval.md", out / "eval.json", out / "eval.svg", out / FILE_NAME]
    paths[0].write_text(render_markdown(report), encoding="utf-8")
    paths[1].write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    render_plot(report, paths[2])
    render(social_card(report), paths[3])
    return paths
