"""Rater-and-prompt cluster bootstrap: intervals that respect who rated what.

Ratings are not independent: one rater's scores share that rater's leniency, and the
images of one prompt share its difficulty. Resampling single ratings (or single images)
ignores both and gives intervals that are too narrow. The pigeonhole bootstrap (Owen,
2007, "The pigeonhole bootstrap", Ann. Appl. Stat. 1(2)) resamples raters and prompts
independently, with replacement: a rating by rater r on prompt p then carries the
weight u_r * v_p, the number of times its rater and its prompt were drawn. Each
statistic here is a weighted mean, so one resample is a weighted sum, and all resamples
are one matrix product (or a few blocked passes over the observations): no refits per
resample in Python, and nothing heavier than NumPy to import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Weights held at once by `grouped_sums`: (resamples in a block) x observations, 32 MB.
BLOCK_ELEMENTS = 4_000_000
# Raters x prompts tables up to this size are multiplied densely (32 MB of float64).
DENSE_LIMIT = 4_000_000


@dataclass(frozen=True)
class ClusterDraws:
    """Multinomial draw counts of raters and prompts, one row per bootstrap resample."""

    raters: np.ndarray  # (resamples, n_raters)
    prompts: np.ndarray  # (resamples, n_prompts)

    @classmethod
    def draw(cls, n_raters: int, n_prompts: int, resamples: int, seed: int) -> ClusterDraws:
        rng = np.random.default_rng(seed)
        return cls(_counts(rng, n_raters, resamples), _counts(rng, n_prompts, resamples))

    @property
    def resamples(self) -> int:
        return int(self.raters.shape[0])


def _counts(rng: np.random.Generator, n: int, resamples: int) -> np.ndarray:
    """How often each of n units is drawn in n draws with replacement, per resample."""
    picks = rng.integers(0, n, size=(resamples, n))
    flat = (np.arange(resamples)[:, None] * n + picks).ravel()
    return np.bincount(flat, minlength=resamples * n).reshape(resamples, n).astype(float)


def grouped_sums(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    group: np.ndarray,
    values: np.ndarray,
    n_groups: int,
) -> np.ndarray:
    """Per resample, each group's weighted sum of `values`: (resamples x n_groups).

    `weights` pairs each draw matrix (resamples x units) with the unit of every
    observation; an observation's weight in resample b is the product of its units'
    draw counts, e.g. u[b, rater] * v[b, prompt]. Observations are sorted by group once,
    then each block of resamples is one gather, one multiply and one `np.add.reduceat`:
    work and memory linear in the observations, no BLAS, no sparse matrices.
    """
    resamples = weights[0][0].shape[0]
    result = np.zeros((resamples, n_groups))
    if group.size == 0:
        return result
    order = np.argsort(group, kind="stable")
    # float32 halves the memory traffic; draw counts and their products are small
    # integers (ties add halves), exact in float32, and the sums stay far inside its
    # precision for any study's size.
    group, values = group[order], values[order].astype(np.float32)
    units = [(matrix.astype(np.float32), unit[order]) for matrix, unit in weights]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    present = group[starts]
    step = max(1, min(resamples, BLOCK_ELEMENTS // group.size))
    for start in range(0, resamples, step):
        block = slice(start, min(start + step, resamples))
        weight = values[None, :]
        for matrix, unit in units:
            weight = weight * matrix[block][:, unit]
        result[block, present] = np.add.reduceat(weight, starts, axis=1)
    return result


def weighted_totals(
    draws: ClusterDraws, rater: np.ndarray, cell: np.ndarray, values: np.ndarray, cells: int
) -> np.ndarray:
    """Every resample's rater-weighted totals per cell: (resamples x len(values) x cells).

    Entry [b, k, j] is the sum over observations in cell j of u[b, rater] * values[k];
    a cell is a (group, prompt) pair, so weighting by the prompt draws v[b, prompt] and
    summing over a group's prompts finishes any group's resampled total. It is one
    product of the (resamples x raters) draws with a (raters x cells) table, in float32
    (sums of small integers: far more precise than the intervals need), while the
    table is small; beyond that, `grouped_sums` over the observations.
    """
    n_raters, k = draws.raters.shape[1], values.shape[0]
    columns = np.arange(k)[:, None] * cells + cell[None, :]
    if n_raters * k * cells <= DENSE_LIMIT:
        flat = np.zeros(n_raters * k * cells, dtype=np.float32)
        index = (rater[None, :] * (k * cells) + columns).ravel()
        flat += np.bincount(index, weights=values.ravel(), minlength=flat.size).astype(np.float32)
        product = draws.raters.astype(np.float32) @ flat.reshape(n_raters, k * cells)
    else:
        sums = grouped_sums(
            [(draws.raters, np.tile(rater, k))], columns.ravel(), values.ravel(), k * cells
        )
        product = sums.astype(np.float32)
    return product.reshape(-1, k, cells)


def interval(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per row, ignoring resamples where the statistic was undefined."""
    tail = (1 - confidence) / 2 * 100
    rows = samples.reshape(-1, samples.shape[-1])
    low, high = np.full(rows.shape[0], np.nan), np.full(rows.shape[0], np.nan)
    missing = np.isnan(rows)
    if not missing.any():  # the usual case
        low, high = _percentiles(rows, (tail, 100 - tail))
    elif (some := ~np.all(missing, axis=1)).any():
        low[some], high[some] = np.nanpercentile(rows[some], [tail, 100 - tail], axis=1)
    return low.reshape(samples.shape[:-1]), high.reshape(samples.shape[:-1])


def undefined_share(samples: np.ndarray) -> np.ndarray:
    """Per row, the share of resamples in which the statistic could not be computed."""
    result: np.ndarray = np.isnan(samples).mean(axis=-1)
    return result


def _percentiles(rows: np.ndarray, percents: tuple[float, ...]) -> list[np.ndarray]:
    """np.percentile(rows, percents, axis=1) (linear method), bit for bit, minus overhead.

    The analysis takes a few hundred intervals; np.percentile's argument handling cost
    more than the sorting. Interpolation as NumPy's `_lerp`: from the lower neighbour
    below the midpoint, from the upper one at or above it.
    """
    ordered = np.sort(rows, axis=1)
    last = rows.shape[1] - 1
    result = []
    for percent in percents:
        position = percent / 100 * last
        below = min(int(np.floor(position)), last)
        above = min(below + 1, last)
        t = position - below
        a, b = ordered[:, below], ordered[:, above]
        result.append(a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t))
    return result
