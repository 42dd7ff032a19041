"""Inter-rater agreement: Krippendorff's alpha with a bootstrap interval, Fleiss' and Cohen's kappa.

Alpha is computed from Krippendorff's coincidence matrix (Krippendorff, 2011,
"Computing Krippendorff's Alpha-Reliability"): each image contributes its pairs of
values, and a bootstrap resample re-weights whole prompts (every image of a drawn
prompt, as often as it was drawn), so the interval is one matrix product away. The
tests check every level against the `krippendorff` package and the paper's worked
example. Fleiss' kappa and Cohen's kappa (plain and weighted, for all rater pairs at
once) are computed here in NumPy and checked against statsmodels, which the analysis
does not import: importing it (and pandas with it) cost more than the analysis itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .clustered import interval

Level = Literal["nominal", "ordinal", "interval"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval")
MIN_PAIR_ITEMS = 5


@dataclass(frozen=True)
class Codes:
    """One criterion's ratings as index arrays: rater, unit (image), cluster and category.

    `category` indexes `scale` (the scale's values, lowest first); a unit's cluster is
    its prompt, the unit of resampling.
    """

    rater: np.ndarray
    unit: np.ndarray
    cluster: np.ndarray
    category: np.ndarray
    n_raters: int
    n_units: int
    n_clusters: int
    scale: np.ndarray


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def unit_counts(codes: Codes) -> np.ndarray:
    """How many ratings each unit got in each category: (units x categories)."""
    flat = codes.unit * codes.scale.size + codes.category
    counts = np.bincount(flat, minlength=codes.n_units * codes.scale.size)
    return counts.reshape(codes.n_units, codes.scale.size).astype(float)


def coincidences(counts: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Each cluster's coincidence matrix, flattened: (clusters x categories**2).

    A unit with m values adds (n n^T - diag(n)) / (m - 1): every ordered pair of its
    values from different ratings, weighted so the unit contributes m pairable values.
    """
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, cluster, m = counts[pairable], cluster[pairable], m[pairable]
    q = counts.shape[1]
    outer = counts[:, :, None] * counts[:, None, :]
    outer[:, np.arange(q), np.arange(q)] -= counts
    outer /= (m - 1)[:, None, None]
    result = np.zeros((n_clusters, q * q))
    np.add.at(result, cluster, outer.reshape(-1, q * q))
    return result


def _delta(level: Level, values: np.ndarray, marginals: np.ndarray) -> np.ndarray:
    """Squared distance between categories, per stack of marginals: (..., q, q)."""
    q = values.size
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(q), (*marginals.shape[:-1], q, q))
    if level == "interval":
        return np.broadcast_to(
            (values[:, None] - values[None, :]) ** 2, (*marginals.shape[:-1], q, q)
        )
    # Ordinal: (sum of n_g for g from c to k, minus half of n_c and n_k) squared.
    cumulative = np.cumsum(marginals, axis=-1)
    low = np.minimum.outer(np.arange(q), np.arange(q))
    high = np.maximum.outer(np.arange(q), np.arange(q))
    padded = np.concatenate([np.zeros((*marginals.shape[:-1], 1)), cumulative], axis=-1)
    between = padded[..., high + 1] - padded[..., low]
    half = (marginals[..., :, None] + marginals[..., None, :]) / 2
    squared: np.ndarray = (between - half) ** 2
    return squared


def alpha_from(coincidence: np.ndarray, level: Level, values: np.ndarray) -> np.ndarray:
    """Alpha for a stack of flattened coincidence matrices (..., q*q); NaN if undefined."""
    q = values.size
    matrix = coincidence.reshape(*coincidence.shape[:-1], q, q)
    marginals = matrix.sum(axis=-1)
    total = marginals.sum(axis=-1)
    delta = _delta(level, values, marginals)
    observed = np.sum(matrix * delta, axis=(-2, -1))
    expected = np.sum(marginals[..., :, None] * marginals[..., None, :] * delta, axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha: np.ndarray = 1.0 - (total - 1) * observed / expected
    return np.where(expected > 0, alpha, np.nan)


def krippendorff_alpha(
    codes: Codes, prompt_draws: np.ndarray | None = None, confidence: float = 0.95
) -> dict[str, dict[str, float | None]]:
    """Alpha at each level, with a percentile interval when prompt draws are given."""
    per_cluster = coincidences(unit_counts(codes), codes.cluster, codes.n_clusters)
    total = per_cluster.sum(axis=0)
    values = codes.scale.astype(float)
    samples = None if prompt_draws is None else prompt_draws @ per_cluster
    result: dict[str, dict[str, float | None]] = {}
    for level in LEVELS:
        estimate = float(alpha_from(total, level, values))
        entry: dict[str, float | None] = {"alpha": _clean(estimate)}
        if samples is not None and not math.isnan(estimate):
            low, high = interval(alpha_from(samples, level, values)[None, :], confidence)
            entry |= {"ci_low": _clean(float(low[0])), "ci_high": _clean(float(high[0]))}
        result[level] = entry
    return result


def fleiss(codes: Codes) -> tuple[float | None, int]:
    """Fleiss' kappa over the units rated by the most common number of raters.

    Fleiss' formula needs the same number of ratings per unit, so units rated by a
    different number of raters are left out; the count of units used is returned.
    """
    counts = unit_counts(codes)
    m = counts.sum(axis=1).astype(int)
    usable = m[m >= 2]
    if usable.size == 0:
        return None, 0
    modal = int(np.bincount(usable).argmax())
    table = counts[m == modal]
    if np.count_nonzero(table.sum(axis=0)) < 2:
        return None, int(table.shape[0])
    return _clean(fleiss_kappa(table)), int(table.shape[0])


def fleiss_kappa(table: np.ndarray) -> float:
    """Fleiss' kappa of an (items x categories) count table with equal ratings per item.

    Observed agreement is the mean share of agreeing rating pairs per item; chance
    agreement is the sum of squared category shares (Fleiss, 1971).
    """
    n_items, raters = table.shape[0], float(table[0].sum())
    shares = table.sum(axis=0) / (n_items * raters)
    observed = float(np.mean(((table**2).sum(axis=1) - raters) / (raters * (raters - 1))))
    chance = float(np.sum(shares**2))
    return (observed - chance) / (1 - chance) if chance < 1 else math.nan


def pair_tables(codes: Codes) -> np.ndarray:
    """Contingency tables of every rater pair: (raters, raters, q, q).

    Entry [a, b, c, d] is the number of units rater a scored c and rater b scored d.
    Built by joining the ratings with themselves within each unit (a unit rated m
    times gives m * m pairs, a rating with itself included, as the diagonal a == b
    expects) and counting the pairs with one bincount.
    """
    q, n_raters = codes.scale.size, codes.n_raters
    order = np.argsort(codes.unit, kind="stable")
    unit, rater, category = codes.unit[order], codes.rater[order], codes.category[order]
    per_unit = np.bincount(unit, minlength=codes.n_units)
    first_of_unit = np.cumsum(per_unit) - per_unit
    partners = per_unit[unit]  # each rating pairs with every rating of its unit
    left = np.repeat(np.arange(unit.size), partners)
    offset = np.arange(left.size) - np.repeat(np.cumsum(partners) - partners, partners)
    right = first_of_unit[unit[left]] + offset
    cell = ((rater[left] * n_raters + rater[right]) * q + category[left]) * q + category[right]
    counts = np.bincount(cell, minlength=n_raters * n_raters * q * q).astype(float)
    return counts.reshape(n_raters, n_raters, q, q)


def kappa(tables: np.ndarray, weights: Literal["none", "linear", "quadratic"]) -> np.ndarray:
    """Cohen's kappa of each table (..., q, q); weighted kappa credits near misses.

    Weighted kappa = 1 - sum(w * observed) / sum(w * expected), with disagreement
    weights w = |c - d| (linear) or (c - d)^2 (quadratic), as in statsmodels.
    """
    q = tables.shape[-1]
    distance = np.abs(np.subtract.outer(np.arange(q), np.arange(q))).astype(float)
    w = {"none": (distance > 0).astype(float), "linear": distance, "quadratic": distance**2}[
        weights
    ]
    n = tables.sum(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = tables / n
        expected = observed.sum(axis=-1, keepdims=True) * observed.sum(axis=-2, keepdims=True)
        result: np.ndarray = 1 - np.sum(w * observed, axis=(-2, -1)) / np.sum(
            w * expected, axis=(-2, -1)
        )
    return result


def cohen_pairs(
    codes: Codes, raters: list[str], min_items: int = MIN_PAIR_ITEMS
) -> list[dict[str, object]]:
    """Plain and quadratic-weighted Cohen's kappa for each pair with min_items shared units."""
    tables = pair_tables(codes)
    plain, weighted = kappa(tables, "none"), kappa(tables, "quadratic")
    shared = tables.sum(axis=(-2, -1))
    rows = []
    for i, j in zip(*np.triu_indices(codes.n_raters, k=1), strict=True):
        if shared[i, j] >= min_items:
            rows.append(
                {
                    "rater_a": raters[i],
                    "rater_b": raters[j],
                    "items": int(shared[i, j]),
                    "kappa": _clean(float(plain[i, j])),
                    "kappa_quadratic": _clean(float(weighted[i, j])),
                }
            )
    return rows


def summary(pairs: list[dict[str, object]], key: str) -> float | None:
    values = [float(pair[key]) for pair in pairs if pair[key] is not None]  # type: ignore[arg-type]
    return round(sum(values) / len(values), 4) if values else None


def agreement(
    codes: Codes,
    raters: list[str],
    prompt_draws: np.ndarray | None = None,
    confidence: float = 0.95,
) -> dict[str, object]:
    """Every coefficient for one criterion."""
    kappa_value, fleiss_items = fleiss(codes)
    pairs = cohen_pairs(codes, raters)
    return {
        "raters": len(np.unique(codes.rater)),
        "items": len(np.unique(codes.unit)),
        "krippendorff_alpha": krippendorff_alpha(codes, prompt_draws, confidence),
        "fleiss_kappa": kappa_value,
        "fleiss_items": fleiss_items,
        "cohen_kappa": {
            "pairs": len(pairs),
            "mean": summary(pairs, "kappa"),
            "mean_quadratic": summary(pairs, "kappa_quadratic"),
            "by_pair": pairs,
        },
    }
