"""Intervals on paired differences between two systems' mean ratings.

A system mean is dominated by what the pigeonhole bootstrap resamples well: rater
leniency and prompt difficulty. In a paired difference both largely cancel (each
prompt is drawn by both systems), and what is left is mostly rating-level noise,
which the pigeonhole bootstrap counts three times (once through the rater draws, once
through the prompt draws and once through their product): in simulation its
intervals on differences were 1.6-1.8 times as wide as they need to be. That is the
degenerate case of two-way clustering that Menzel (2021, "Bootstrap with cluster
dependence in two or more dimensions", Econometrica 89(5)) describes.

Here the variance comes from the difference's influence values instead, clustered
by prompt (each prompt's pair of images together, every rating counted once), plus
what clustering by rater adds beyond the ratings themselves: the two-way
cluster-robust variance of Cameron, Gelbach and Miller (2011, "Robust inference with
multiway clustering", JBES 29(2)), V_prompt + (V_rater - V_rating). The rater term
is kept only where it is positive: it is, when raters prefer one system; when they
merely differ in leniency it is negative (leniency cancels within a rater who rates
both systems) and small-sample bias pushes it lower still, and subtracting it would
make intervals too narrow. The interval takes Student's t with Welch-Satterthwaite
degrees of freedom: prompts - 1 when the prompt term is all there is, towards
raters - 1 as a rater preference takes over, since ten raters estimate their share
of the variance far less surely than thirty prompts do theirs.
`benchmarks/calibration.py` checks width and coverage against the ideal by simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t


@dataclass(frozen=True)
class PairedDifference:
    """A difference of two means, its standard error and interval (NaN where undefined)."""

    estimate: float
    se: float
    low: float
    high: float


def paired_difference(
    rater: np.ndarray,
    prompt: np.ndarray,
    system: np.ndarray,
    score: np.ndarray,
    confidence: float = 0.95,
) -> PairedDifference:
    """Mean score of system 0 minus that of system 1, rater-and-prompt clustered.

    `system` is 0 or 1 for the ratings of the two systems compared and -1 for any
    other rating (ignored); `rater` and `prompt` are integer codes. A system's mean
    is the mean of its ratings, so a rating's influence on the difference is
    (score - its system's mean) / its system's number of ratings, negated for
    system 1; the variance is a sum of squared cluster totals of these influences.
    """
    a, b = system == 0, system == 1
    if not a.any() or not b.any():
        return PairedDifference(*(4 * [float("nan")]))
    mean_a, mean_b = float(score[a].mean()), float(score[b].mean())
    used = a | b
    influence = np.where(a, score - mean_a, -(score - mean_b)) / np.where(a, a.sum(), b.sum())
    influence, rater, prompt = influence[used], rater[used], prompt[used]
    estimate = mean_a - mean_b
    by_prompt, prompts = _clustered(prompt, influence)
    by_rater, raters = _clustered(rater, influence)
    if prompts < 2:  # nothing to say how much the difference moves from prompt to prompt
        return PairedDifference(estimate, *(3 * [float("nan")]))
    # One rater: the difference holds for that rater; no rater term to estimate.
    rater_term = max(0.0, by_rater - float(np.sum(influence**2))) if raters > 1 else 0.0
    variance = by_prompt + rater_term
    # Welch-Satterthwaite: each term's degrees of freedom are its clusters less one.
    spread = by_prompt**2 / (prompts - 1) + (rater_term**2 / (raters - 1) if rater_term else 0.0)
    freedom = variance**2 / spread if spread > 0 else float("inf")
    se = float(np.sqrt(variance))
    # Fewer than one degree of freedom: no interval worth reporting.
    half = float(student_t.ppf(0.5 + confidence / 2, freedom)) * se if freedom >= 1 else math.nan
    return PairedDifference(estimate, se, estimate - half, estimate + half)


def _clustered(cluster: np.ndarray, influence: np.ndarray) -> tuple[float, int]:
    """Sum of squared cluster totals scaled by G / (G - 1), and G (NaN sum if G < 2).

    The scaling is the usual small-sample correction of a cluster-robust variance:
    the totals are taken around an estimated mean, which makes them too small.
    """
    _, code = np.unique(cluster, return_inverse=True)
    totals = np.bincount(code, weights=influence)
    groups = int(totals.size)
    if groups < 2:
        return float("nan"), groups
    return float(groups / (groups - 1) * np.sum(totals**2)), groups
