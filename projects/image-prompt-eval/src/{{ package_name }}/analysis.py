"""The analysis behind `analyze` and `report`: means, rankings, agreement, rater quality."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError
from .exchange import AttentionResult, Item, LikertRating, PairVote, items_from_ids
from .stats import bradley_terry, quality
from .stats.agreement import RatingMatrix, agreement
from .stats.summary import mean_ci


@dataclass(frozen=True)
class Options:
    """Knobs of the analysis; the defaults are what the report uses."""

    seed: int = 0
    resamples: int = 2000
    bt_resamples: int = 1000
    confidence: float = 0.95


def analyze(
    ratings: list[LikertRating],
    votes: list[PairVote] | None = None,
    items: dict[str, Item] | None = None,
    attention: list[AttentionResult] | None = None,
    options: Options | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as plain JSON-ready data."""
    options = options or Options()
    known = items if items is not None else items_from_ids({r.item_id for r in ratings})
    if unknown := sorted({r.item_id for r in ratings} - set(known)):
        raise DataError(
            f"item '{unknown[0]}' is not in the items file (and {len(unknown) - 1} more)"
            if items is not None
            else f"item '{unknown[0]}' has no system: pass --items FILE or name items prompt@system"
        )
    criteria = sorted({r.criterion for r in ratings})
    by_criterion: dict[str, list[LikertRating]] = defaultdict(list)
    for rating in ratings:
        by_criterion[rating.criterion].append(rating)
    result: dict[str, Any] = {
        "ratings": len(ratings),
        "raters": len({r.rater_id for r in ratings}),
        "items": len({r.item_id for r in ratings}),
        "criteria": criteria,
        "systems": {},
        "factors": {},
        "agreement": {},
        "pairwise": None,
    }
    matrices = {}
    for criterion in criteria:
        triples = [(r.rater_id, r.item_id, r.score) for r in by_criterion[criterion]]
        matrix = RatingMatrix.from_triples(triples)
        matrices[criterion] = matrix
        item_means = dict(zip(matrix.items, np.nanmean(matrix.values, axis=0), strict=True))
        result["systems"][criterion] = _grouped(
            item_means, known, lambda item: (item.system,), options
        )
        result["factors"][criterion] = _factor_levels(item_means, known, options)
        result["agreement"][criterion] = agreement(matrix)
    if votes:
        ranking = bradley_terry.rank(
            [(v.system_a, v.system_b, v.winner) for v in votes],
            resamples=options.bt_resamples,
            seed=options.seed,
            confidence=options.confidence,
        )
        ties = sum(v.winner == "tie" for v in votes)
        result["pairwise"] = {"votes": len(votes), "ties": ties, "ranking": ranking.as_rows()}
    result["raters_quality"] = _rater_quality(ratings, matrices, attention or [])
    return result


def _grouped(
    item_means: dict[str, float], items: dict[str, Item], key: Any, options: Options
) -> list[dict[str, Any]]:
    groups: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for item_id, mean in item_means.items():
        groups[key(items[item_id])].append(mean)
    rows = []
    for index, (group, values) in enumerate(sorted(groups.items())):
        summary = mean_ci(
            values,
            seed=options.seed + index,
            resamples=options.resamples,
            confidence=options.confidence,
        )
        rows.append({"group": list(group), **summary})
    return rows


def _factor_levels(
    item_means: dict[str, float], items: dict[str, Item], options: Options
) -> dict[str, list[dict[str, Any]]]:
    factors = sorted({name for item in items.values() for name in item.levels})
    return {
        factor: _grouped(
            {i: m for i, m in item_means.items() if factor in items[i].levels},
            items,
            lambda item, factor=factor: (item.levels[factor], item.system),
            options,
        )
        for factor in factors
    }


def _rater_quality(
    ratings: list[LikertRating], matrices: dict[str, RatingMatrix], attention: list[AttentionResult]
) -> list[dict[str, Any]]:
    raters = sorted({r.rater_id for r in ratings})
    rows = []
    for rater in raters:
        rhos = []
        for matrix in matrices.values():
            if rater in matrix.raters:
                rho = quality.agreement_with_others(matrix, matrix.raters.index(rater))
                if rho is not None:
                    rhos.append(rho)
        checks = [a for a in attention if a.rater_id == rater]
        failed = sum(not a.passed for a in checks)
        scores = [r.score for r in ratings if r.rater_id == rater]
        spread = float(np.std(scores))
        agreement_rho = float(np.mean(rhos)) if rhos else None
        rows.append(
            {
                "rater_id": rater,
                "ratings": len(scores),
                "mean_score": round(float(np.mean(scores)), 3),
                "agreement_rho": None if agreement_rho is None else round(agreement_rho, 3),
                "attention_checks": len(checks),
                "attention_failed": failed,
                "flags": quality.flags(agreement_rho, failed, len(checks), spread),
            }
        )
    return rows
