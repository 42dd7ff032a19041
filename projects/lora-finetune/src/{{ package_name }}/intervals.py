"""Confidence intervals for the safety checks: a share of flagged texts and mean differences.

The safety sets hold tens of items, so a point figure alone says little: every figure
the report gives comes with an interval. A share uses the Wilson score interval, which
stays inside [0, 1] and is not empty at 0 of n (where the normal approximation gives
0 +/- 0). Means use SciPy's bootstrap with percentile intervals: BCa's acceleration
term is unstable on a dozen values with many ties, as these samples often are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval."""

    low: float
    high: float

    def as_list(self) -> list[float]:
        return [self.low, self.high]


def wilson_interval(successes: int, total: int, level: float) -> Interval:
    """The Wilson score interval for a binomial proportion `successes / total`."""
    if total <= 0:
        raise ValueError("a share needs at least one item")
    ci = stats.binomtest(successes, total).proportion_ci(confidence_level=level, method="wilson")
    return Interval(float(ci.low), float(ci.high))


def bootstrap_mean_interval(
    values: Sequence[float], level: float, resamples: int, seed: int
) -> Interval:
    """A percentile bootstrap interval for the mean of `values`.

    A sample whose values are all equal has no spread to resample: its interval is the
    value itself (SciPy would warn and return NaN).
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("a mean needs at least one value")
    if np.ptp(data) == 0:
        return Interval(float(data[0]), float(data[0]))
    result = stats.bootstrap(
        (data,),
        np.mean,
        confidence_level=level,
        n_resamples=resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return Interval(float(result.confidence_interval.low), float(result.confidence_interval.high))
