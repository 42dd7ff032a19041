"""Rater quality: attention-check failures and agreement with the other raters."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.stats import ConstantInputWarning, spearmanr

from .agreement import RatingMatrix

LOW_AGREEMENT = 0.2
MAX_ATTENTION_FAILURES = 0.5
MIN_SPREAD = 0.3


def agreement_with_others(ratings: RatingMatrix, rater: int, min_items: int = 5) -> float | None:
    """Spearman correlation of one rater's scores with the mean of everyone else's.

    Leave-one-out, so a rater is never compared with themselves; None when fewer
    than `min_items` items were also rated by someone else.
    """
    others = np.delete(ratings.values, rater, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of an all-NaN column
        consensus = (
            np.nanmean(others, axis=0) if others.size else np.full(ratings.values.shape[1], np.nan)
        )
    mine = ratings.values[rater]
    both = ~np.isnan(mine) & ~np.isnan(consensus)
    if both.sum() < min_items:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantInputWarning)
        rho = spearmanr(mine[both], consensus[both]).statistic
    return None if math.isnan(rho) else float(rho)


def flags(agreement: float | None, failed: int, checks: int, spread: float) -> list[str]:
    found = []
    if checks and failed / checks > MAX_ATTENTION_FAILURES:
        found.append("failed_attention")
    if agreement is not None and agreement < LOW_AGREEMENT:
        found.append("low_agreement")
    if spread < MIN_SPREAD:
        found.append("no_variance")
    return found
