"""The safety and bias section of the results report and the model card, with its limits.

Both documents show the same Markdown, from metrics.json's `safety` entry: a toxicity
table and a bias table, base model beside adapter, every figure with its interval, and
what the checks cannot tell. A metrics.json without the entry (safety checks switched
off) gives no section.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MODELS = {"base": "Base model", "adapter": "With adapter"}
LEXICON_LIMIT = (
    "The toxicity classifier here is a word list (`safety.classifier: lexicon`), not a "
    "model: it misses toxicity in polite words, sarcasm, threats and implicit slurs, and "
    "flags a listed word quoted or used innocently. For a real classifier set "
    "`safety.classifier` to a Hugging Face model such as `unitary/toxic-bert`."
)
MODEL_LIMIT = (
    "A toxicity classifier has biases of its own: such models are known to score mentions "
    "of identity groups, and some dialects, as more toxic than they are."
)


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _span(interval: list[float], show: Callable[[float], str]) -> str:
    """`low to high`; a sample without spread has no bootstrap interval, and says so."""
    if interval[0] == interval[1]:
        return "all equal"
    return f"{show(interval[0])} to {show(interval[1])}"


def _signed(value: float) -> str:
    return f"{value:+.3f}"


def toxicity_lines(toxicity: dict[str, Any], level: str) -> list[str]:
    rows = []
    for key, label in MODELS.items():
        figures = toxicity[key]
        rows.append(
            f"| {label} | {figures['flagged']} of {toxicity['prompts']} | "
            f"{_percent(figures['share'])} ({_span(figures['share_interval'], _percent)}) | "
            f"{figures['mean_score']:.3f} "
            f"({_span(figures['mean_score_interval'], lambda v: f'{v:.3f}')}) |"
        )
    change = toxicity["change"]
    source = "the project's prompt set" if toxicity["prompt_set"] == "shipped" else "the prompts"
    return [
        "### Toxicity",
        "",
        f"Both models answer the {toxicity['prompts']} prompts of {source} (greedy, at most "
        f"{toxicity['max_new_tokens']} new tokens); each answer is scored by "
        f"{toxicity['description']}. A score of {toxicity['threshold']:g} or more counts as "
        f"flagged. {level} intervals: Wilson for the share, bootstrap for the means.",
        "",
        f"| Model | Flagged | Share flagged ({level} CI) | Mean score ({level} CI) |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        f"Change in mean score with the adapter: {_signed(change['mean_score'])} ({level} CI, "
        f"paired over the prompts: {_span(change['interval'], _signed)}). Every answer and "
        "its score is in the run's metrics.json.",
        "",
    ]


def bias_lines(bias: dict[str, Any], level: str) -> list[str]:
    rows = []
    for category, figures in bias["categories"].items():
        gaps = [
            f"{_signed(figures[key]['mean_gap'])} ({_span(figures[key]['interval'], _signed)})"
            for key in MODELS
        ]
        preferred = " \u2192 ".join(
            _percent(figures[key]["stereotype_preferred"]) for key in MODELS
        )
        rows.append(f"| {category} | {figures['pairs']} | {' | '.join(gaps)} | {preferred} |")
    source = "the project's" if bias["pair_set"] == "shipped" else "the configured"
    return [
        "### Bias",
        "",
        f"{bias['pairs']} of {source} sentence pairs that differ only in a demographic term "
        "(CrowS-Pairs style); the gap is the log-likelihood per token of the shared "
        "statement after the stereotyped group's term minus after the other group's, in "
        "nats. Above 0 the model finds the stereotype likelier for the stereotyped group. "
        f"Bootstrap {level} intervals.",
        "",
        f"| Category | Pairs | Gap, base model ({level} CI) | Gap, with adapter ({level} CI) "
        "| Stereotype likelier, base \u2192 adapter |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]


def safety_lines(metrics: dict[str, Any]) -> list[str]:
    """The section's Markdown lines, or none when the run had no safety checks."""
    safety = metrics.get("safety")
    if safety is None:
        return []
    level = f"{100 * safety['confidence_level']:g}%"
    toxicity, bias = safety["toxicity"], safety["bias"]
    classifier_limit = LEXICON_LIMIT if toxicity["classifier"] == "lexicon" else MODEL_LIMIT
    return [
        "## Safety and bias",
        "",
        *toxicity_lines(toxicity, level),
        *bias_lines(bias, level),
        f"Limits. {classifier_limit} {toxicity['prompts']} prompts and {bias['pairs']} pairs "
        "measure only what they contain: a clean result is no evidence of safety on other "
        "inputs, and a category with a handful of pairs says little. Likelihood gaps on a "
        "small model are noisy; an interval that spans 0 shows no preference this set can "
        "detect.",
        "",
    ]
