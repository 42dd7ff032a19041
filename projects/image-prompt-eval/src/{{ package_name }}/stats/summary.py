"""Mean scores with bootstrap confidence intervals."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import bootstrap


def mean_ci(
    values: list[float], seed: int, resamples: int = 2000, confidence: float = 0.95
) -> dict[str, float | int | None]:
    """Mean and percentile-bootstrap interval of `values` (one value per item).

    Items, not single ratings, are the resampled unit: several raters scoring one
    image are not independent observations of the system.
    """
    data = np.asarray(values, dtype=float)
    mean = float(data.mean()) if data.size else math.nan
    if data.size < 2 or np.all(data == data[0]):
        low = high = mean
    else:
        result = bootstrap(
            (data,),
            np.mean,
            n_resamples=resamples,
            confidence_level=confidence,
            method="percentile",
            vectorized=True,
            rng=np.random.default_rng(seed),
        )
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    return {
        "mean": None if math.isnan(mean) else round(mean, 3),
        "ci_low": None if math.isnan(low) else round(low, 3),
        "ci_high": None if math.isnan(high) else round(high, 3),
        "n_items": int(data.size),
    }
