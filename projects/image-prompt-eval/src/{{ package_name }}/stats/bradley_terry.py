"""Bradley-Terry ranking from pairwise votes, with cluster-bootstrap intervals and Elo scale.

P(i beats j) = 1 / (1 + exp(-(s_i - s_j))). Ties count as half a win for each side.
The scores are the maximum-likelihood estimate under a very weak Gaussian prior
(`PRIOR`), which changes nothing measurable when every system wins and loses some
comparisons, and keeps the estimate finite when one system wins them all.

Every bootstrap resample is a weighted win matrix (`grouped_sums` over the votes), and
all of them are fitted at once by Newton's method on a stack of small systems
(`fit_many`): 1,000 refits cost about as much as a few, whatever the BLAS thread
setting, because nothing calls BLAS on large matrices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .clustered import ClusterDraws, grouped_sums, interval

PRIOR = 1e-3
ELO_BASE = 1500.0
ELO_SCALE = 400.0 / math.log(10.0)
MAX_STEP = 2.0
TOLERANCE = 1e-10


@dataclass(frozen=True)
class Ranking:
    """Scores (log-strengths, centred on 0) with bootstrap intervals, best first."""

    systems: list[str]
    scores: np.ndarray
    low: np.ndarray
    high: np.ndarray
    votes: int

    def elo(self, values: np.ndarray) -> np.ndarray:
        return ELO_BASE + ELO_SCALE * values

    def as_rows(self) -> list[dict[str, object]]:
        order = np.argsort(-self.scores, kind="stable")
        return [
            {
                "system": self.systems[i],
                "bt_score": round(float(self.scores[i]), 4),
                "ci_low": round(float(self.low[i]), 4),
                "ci_high": round(float(self.high[i]), 4),
                "elo": round(float(self.elo(self.scores[i])), 1),
                "elo_low": round(float(self.elo(self.low[i])), 1),
                "elo_high": round(float(self.elo(self.high[i])), 1),
            }
            for i in order
        ]


def _logistic(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) written with tanh, which cannot overflow for large |x|."""
    result: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * x))
    return result


def fit_many(
    wins: np.ndarray, iterations: int = 100, start: np.ndarray | None = None
) -> np.ndarray:
    """Scores for a stack of win matrices (..., n, n) whose [i, j] is how often i beat j.

    Newton's method on the penalised log-likelihood, which is strictly concave: each
    step solves an n x n system per matrix (batched), and is shortened to at most
    `MAX_STEP` so a clean sweep approaches its large finite score without overshooting.
    `start` (n scores, e.g. the full-data fit for bootstrap resamples) saves the first
    few steps; the optimum is unique, so it changes nothing but the time.
    """
    stack = wins.reshape(-1, *wins.shape[-2:])
    n = stack.shape[-1]
    games = stack + np.swapaxes(stack, 1, 2)
    won = stack.sum(axis=2)
    scores = np.zeros(stack.shape[:2])
    if start is not None:
        scores += start
    eye = np.eye(n)
    for _ in range(iterations):
        p = _logistic(scores[:, :, None] - scores[:, None, :])
        gradient = won - np.sum(games * p, axis=2) - 2 * PRIOR * scores
        curvature = games * p * (1 - p)
        hessian = curvature - eye * (curvature.sum(axis=2)[:, :, None] + 2 * PRIOR)
        step = np.linalg.solve(-hessian, gradient[:, :, None])[:, :, 0]
        largest = np.abs(step).max(axis=1, keepdims=True)
        step *= np.minimum(1.0, MAX_STEP / np.maximum(largest, 1e-300))
        scores += step
        # Only differences of scores are reported: shifting all of them together moves
        # the likelihood only through the tiny prior, so that direction's step is
        # rounding noise (about 1e-10 with thousands of votes) and must not hold up
        # the stopping test.
        if np.abs(step - step.mean(axis=1, keepdims=True)).max() < TOLERANCE:
            break
    scores -= scores.mean(axis=1, keepdims=True)
    result: np.ndarray = scores.reshape(wins.shape[:-1])
    return result


def fit(wins: np.ndarray) -> np.ndarray:
    """Scores from one matrix whose [i, j] entry is how often i beat j (ties as 0.5)."""
    scores: np.ndarray = fit_many(wins[None])[0]
    return scores


def win_cells(
    a: np.ndarray, b: np.ndarray, outcome: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each vote's contributions to the flattened win matrix: (cell, vote, weight).

    `outcome` is 0 when a won, 1 when b won, 2 for a tie (half a win each way, so a
    tie contributes twice).
    """
    winner = np.where(outcome == 1, b, a)
    loser = np.where(outcome == 1, a, b)
    tie = outcome == 2
    votes = np.arange(a.size)
    cell = np.concatenate([winner * n + loser, (b * n + a)[tie]])
    vote = np.concatenate([votes, votes[tie]])
    weight = np.concatenate([np.where(tie, 0.5, 1.0), np.full(int(tie.sum()), 0.5)])
    return cell, vote, weight


def rank(
    systems: list[str],
    a: np.ndarray,
    b: np.ndarray,
    outcome: np.ndarray,
    rater: np.ndarray,
    prompt: np.ndarray,
    draws: ClusterDraws,
    confidence: float = 0.95,
) -> Ranking:
    """Fit on index-coded votes; percentile intervals from the rater-and-prompt resamples."""
    n = len(systems)
    cell, vote, weight = win_cells(a, b, outcome, n)
    scores = fit(np.bincount(cell, weights=weight, minlength=n * n).reshape(n, n))
    wins = grouped_sums(
        [(draws.raters, rater[vote]), (draws.prompts, prompt[vote])], cell, weight, n * n
    )
    samples = fit_many(wins.reshape(-1, n, n), start=scores)
    low, high = interval(samples.T, confidence)
    return Ranking(systems, scores, low, high, int(a.size))
