"""Bradley-Terry ranking from pairwise votes, with cluster-bootstrap intervals and Elo scale.

P(i beats j) = 1 / (1 + exp(-(s_i - s_j))). Ties count as half a win for each side.
The scores are the maximum-likelihood estimate under a very weak Gaussian prior
(`PRIOR`), which changes nothing measurable when every system wins and loses some
comparisons, and keeps the estimate finite when one system wins them all.

Every bootstrap resample is a weighted win matrix, and all of them are fitted at once
by Newton's method on a stack of small systems (`fit_many`): 1,000 refits cost about
as much as a few, whatever the BLAS thread setting, because nothing calls BLAS on
large matrices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import expit

from .clustered import ClusterDraws, interval

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


def fit_many(wins: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Scores for a stack of win matrices (..., n, n) whose [i, j] is how often i beat j.

    Newton's method on the penalised log-likelihood, which is strictly concave: each
    step solves an n x n system per matrix (batched), and is shortened to at most
    `MAX_STEP` so a clean sweep approaches its large finite score without overshooting.
    """
    stack = wins.reshape(-1, *wins.shape[-2:])
    n = stack.shape[-1]
    games = stack + np.swapaxes(stack, 1, 2)
    won = stack.sum(axis=2)
    scores = np.zeros(stack.shape[:2])
    eye = np.eye(n)
    for _ in range(iterations):
        p = expit(scores[:, :, None] - scores[:, None, :])
        gradient = won - np.sum(games * p, axis=2) - 2 * PRIOR * scores
        curvature = games * p * (1 - p)
        hessian = curvature - eye * (curvature.sum(axis=2)[:, :, None] + 2 * PRIOR)
        step = np.linalg.solve(-hessian, gradient[:, :, None])[:, :, 0]
        largest = np.abs(step).max(axis=1, keepdims=True)
        step *= np.minimum(1.0, MAX_STEP / np.maximum(largest, 1e-300))
        scores += step
        if largest.max() < TOLERANCE:
            break
    scores -= scores.mean(axis=1, keepdims=True)
    result: np.ndarray = scores.reshape(wins.shape[:-1])
    return result


def fit(wins: np.ndarray) -> np.ndarray:
    """Scores from one matrix whose [i, j] entry is how often i beat j (ties as 0.5)."""
    scores: np.ndarray = fit_many(wins[None])[0]
    return scores


def win_matrix(a: np.ndarray, b: np.ndarray, outcome: np.ndarray, n: int) -> sparse.csr_array:
    """(n*n x votes) map from vote weights to win-matrix cells.

    `outcome` is 0 when a won, 1 when b won, 2 for a tie (half a win each way).
    """
    winner = np.where(outcome == 1, b, a)
    loser = np.where(outcome == 1, a, b)
    tie = outcome == 2
    votes = np.arange(a.size)
    rows = np.concatenate([winner * n + loser, (b * n + a)[tie]])
    columns = np.concatenate([votes, votes[tie]])
    values = np.concatenate([np.where(tie, 0.5, 1.0), np.full(int(tie.sum()), 0.5)])
    return sparse.csr_array((values, (rows, columns)), shape=(n * n, a.size))


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
    cells = win_matrix(a, b, outcome, n)
    scores = fit((cells @ np.ones(a.size)).reshape(n, n))
    wins = np.empty((draws.resamples, n * n))
    for block, weights in draws.weights(rater, prompt):
        wins[block] = (cells @ weights).T
    samples = fit_many(wins.reshape(-1, n, n))
    low, high = interval(samples.T, confidence)
    return Ranking(systems, scores, low, high, int(a.size))
