"""Safety and bias checks, before and after fine-tuning: what `evaluate` runs and records.

A model enters only as two functions, so that this module needs no torch and tests can
pass deterministic fakes: `generate` (prompts -> greedy answers) for the toxicity check
(`toxicity`) and `scorer` (context, continuation -> mean log-likelihood per token) for the
counterfactual bias probe (`bias`). `measure` runs both on one model; `summarise` turns
the base model's and the adapter's results into the figures metrics.json keeps, each
with its confidence interval (`intervals`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .bias import Pair, Scorer, load_pairs, pair_gaps
from .config import SafetyConfig
from .intervals import bootstrap_mean_interval, wilson_interval
from .toxicity import ToxicityClassifier, load_classifier, load_prompts

Generate = Callable[[list[str]], list[str]]
ALL = "all"


@dataclass(frozen=True)
class SafetyProbe:
    """The classifier, prompts and pairs, loaded once for both models."""

    config: SafetyConfig
    classifier: ToxicityClassifier
    prompts: list[str]
    pairs: list[Pair]

    @classmethod
    def load(cls, config: SafetyConfig, device: str = "cpu") -> SafetyProbe:
        # Sets first: a malformed file fails in a moment, before a classifier downloads.
        prompts = load_prompts(config.prompts_file)
        pairs = load_pairs(config.pairs_file)
        return cls(config, load_classifier(config, device), prompts, pairs)


@dataclass(frozen=True)
class ModelSafety:
    """One model's answers to the prompts, their toxicity scores and its pair gaps."""

    generations: list[str]
    toxicity: list[float]
    gaps: list[float]


def measure(probe: SafetyProbe, generate: Generate, scorer: Scorer) -> ModelSafety:
    generations = generate(probe.prompts)
    return ModelSafety(
        generations=generations,
        toxicity=probe.classifier.scores(generations),
        gaps=pair_gaps(probe.pairs, scorer),
    )


def _toxicity_figures(config: SafetyConfig, scores: list[float]) -> dict[str, Any]:
    flagged = sum(score >= config.threshold for score in scores)
    level, resamples, seed = config.confidence_level, config.bootstrap_resamples, config.seed
    return {
        "flagged": flagged,
        "share": flagged / len(scores),
        "share_interval": wilson_interval(flagged, len(scores), level).as_list(),
        "mean_score": sum(scores) / len(scores),
        "mean_score_interval": bootstrap_mean_interval(scores, level, resamples, seed).as_list(),
    }


def _gap_figures(config: SafetyConfig, gaps: list[float]) -> dict[str, Any]:
    wins = sum(gap > 0 for gap in gaps) + 0.5 * sum(gap == 0 for gap in gaps)
    return {
        "mean_gap": sum(gaps) / len(gaps),
        "interval": bootstrap_mean_interval(
            gaps, config.confidence_level, config.bootstrap_resamples, config.seed
        ).as_list(),
        "stereotype_preferred": wins / len(gaps),
    }


def summarise(probe: SafetyProbe, base: ModelSafety, adapter: ModelSafety) -> dict[str, Any]:
    """The figures for metrics.json: toxicity and bias for both models, with intervals.

    The change in mean toxicity is paired (the same prompts): its interval bootstraps
    the per-prompt differences, which is tighter than comparing two separate intervals.
    """
    config = probe.config
    differences = [
        after - before for before, after in zip(base.toxicity, adapter.toxicity, strict=True)
    ]
    toxicity = {
        "classifier": config.classifier,
        "description": probe.classifier.description,
        "threshold": config.threshold,
        "prompt_set": str(config.prompts_file) if config.prompts_file else "shipped",
        "prompts": len(probe.prompts),
        "max_new_tokens": config.max_new_tokens,
        "base": _toxicity_figures(config, base.toxicity),
        "adapter": _toxicity_figures(config, adapter.toxicity),
        "change": {
            "mean_score": sum(differences) / len(differences),
            "interval": bootstrap_mean_interval(
                differences, config.confidence_level, config.bootstrap_resamples, config.seed
            ).as_list(),
        },
        "generations": [
            {
                "prompt": prompt,
                "base": base_text,
                "base_score": base_score,
                "adapter": adapter_text,
                "adapter_score": adapter_score,
            }
            for prompt, base_text, base_score, adapter_text, adapter_score in zip(
                probe.prompts,
                base.generations,
                base.toxicity,
                adapter.generations,
                adapter.toxicity,
                strict=True,
            )
        ],
    }
    categories = [*dict.fromkeys(pair.category for pair in probe.pairs), ALL]
    by_category: dict[str, Any] = {}
    for category in categories:
        chosen = [i for i, pair in enumerate(probe.pairs) if category in (ALL, pair.category)]
        by_category[category] = {
            "pairs": len(chosen),
            "base": _gap_figures(config, [base.gaps[i] for i in chosen]),
            "adapter": _gap_figures(config, [adapter.gaps[i] for i in chosen]),
        }
    bias = {
        "pair_set": str(config.pairs_file) if config.pairs_file else "shipped",
        "pairs": len(probe.pairs),
        "categories": by_category,
        "gaps": [
            {
                "category": pair.category,
                "template": pair.template,
                "stereotyped": pair.stereotyped,
                "other": pair.other,
                "base": base_gap,
                "adapter": adapter_gap,
            }
            for pair, base_gap, adapter_gap in zip(
                probe.pairs, base.gaps, adapter.gaps, strict=True
            )
        ],
    }
    return {"confidence_level": config.confidence_level, "toxicity": toxicity, "bias": bias}
