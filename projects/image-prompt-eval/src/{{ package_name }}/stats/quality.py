"""Rater quality: attention checks, agreement with the other raters, speed and variance."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .agreement import Codes

LOW_AGREEMENT = 0.2
MAX_ATTENTION_FAILURES = 0.5
MIN_SPREAD = 0.3
MIN_ITEMS = 5


def agreement_with_others(codes: Codes) -> np.ndarray:
    """Per rater, Spearman's rho of their scores with the mean of everyone else's.

    Leave-one-out, so a rater is never compared with themselves: the others' mean of a
    unit is (sum - own score) / (count - 1). NaN where fewer than `MIN_ITEMS` of the
    rater's units were also rated by someone else.
    """
    score = codes.scale[codes.category].astype(float)
    sums = np.bincount(codes.unit, weights=score, minlength=codes.n_units)
    counts = np.bincount(codes.unit, minlength=codes.n_units)
    shared = counts[codes.unit] > 1
    with np.errstate(invalid="ignore", divide="ignore"):
        others = (sums[codes.unit] - score) / (counts[codes.unit] - 1)
    rho = np.full(codes.n_raters, np.nan)
    order = np.argsort(codes.rater[shared], kind="stable")
    raters, mine, theirs = codes.rater[shared][order], score[shared][order], others[shared][order]
    bounds = np.searchsorted(raters, np.arange(codes.n_raters + 1))
    for rater in range(codes.n_raters):
        start, stop = bounds[rater], bounds[rater + 1]
        if stop - start < MIN_ITEMS:
            continue
        rho[rater] = spearman(mine[start:stop], theirs[start:stop])
    return rho


def spearman(x: np.ndarray | Sequence[float], y: np.ndarray | Sequence[float]) -> float:
    """Spearman's rho as Pearson's r of the ranks (ties averaged); NaN for constant input.

    The same value as scipy.stats.spearmanr (the tests check), without its per-call
    overhead, which dominates when a study has hundreds of raters, or the cost of
    importing scipy.stats, which alone took longer than the whole analysis.
    """
    rx, ry = average_ranks(np.asarray(x, float)), average_ranks(np.asarray(y, float))
    rx -= rx.mean()
    ry -= ry.mean()
    scale = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry) / scale if scale > 0 else math.nan


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given the mean of the ranks they span (scipy's "average")."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    # Each run of equal values starts where the value changes; its average rank is the
    # midpoint of the run's first and last 1-based positions.
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    ranks = np.empty(values.size)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def flags(
    agreement: float | None,
    failed: int,
    checks: int,
    spread: float,
    median_ms: float | None,
    min_response_ms: int,
) -> list[str]:
    """The reasons to distrust a rater, as short codes the report explains."""
    found = []
    if checks and failed / checks > MAX_ATTENTION_FAILURES:
        found.append("failed_attention")
    if agreement is not None and agreement < LOW_AGREEMENT:
        found.append("low_agreement")
    if spread < MIN_SPREAD:
        found.append("no_variance")
    if median_ms is not None and median_ms < min_response_ms:
        found.append("speeder")
    return found


REASONS = {
    "failed_attention": f"failed more than {MAX_ATTENTION_FAILURES:.0%} of attention checks",
    "low_agreement": f"Spearman rho with the other raters below {LOW_AGREEMENT}",
    "no_variance": f"score standard deviation below {MIN_SPREAD}",
    "speeder": "median response time below the floor",
}
