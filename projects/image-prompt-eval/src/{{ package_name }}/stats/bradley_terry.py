"""Bradley-Terry ranking from pairwise votes, with bootstrap intervals and Elo scale.

P(i beats j) = 1 / (1 + exp(-(s_i - s_j))). Ties count as half a win for each side.
The scores are the maximum-likelihood estimate under a very weak Gaussian prior
(`PRIOR`), which changes nothing measurable when every system wins and loses some
comparisons, and keeps the estimate finite when one system wins them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

PRIOR = 1e-3
ELO_BASE = 1500.0
ELO_SCALE = 400.0 / math.log(10.0)


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


def fit(wins: np.ndarray) -> np.ndarray:
    """Scores from a matrix whose [i, j] entry is how often i beat j (ties as 0.5)."""
    n = wins.shape[0]

    def objective(scores: np.ndarray) -> tuple[float, np.ndarray]:
        diff = scores[:, None] - scores[None, :]
        # log sigmoid(d) = -log(1 + exp(-d)), computed stably.
        nll = float(np.sum(wins * np.logaddexp(0.0, -diff))) + PRIOR * float(scores @ scores)
        p = 1.0 / (1.0 + np.exp(-diff))
        grad = -np.sum(wins * (1 - p), axis=1) + np.sum(wins.T * p, axis=1) + 2 * PRIOR * scores
        return nll, grad

    result = minimize(objective, np.zeros(n), jac=True, method="L-BFGS-B")
    scores: np.ndarray = result.x - result.x.mean()
    return scores


def _wins(outcomes: np.ndarray, pairs: np.ndarray, n: int) -> np.ndarray:
    """Win matrix from counts per (pair, outcome) with outcome 0: a wins, 1: b wins, 2: tie."""
    wins = np.zeros((n, n))
    counts = outcomes.reshape(-1, 3)
    np.add.at(wins, (pairs[:, 0], pairs[:, 1]), counts[:, 0] + 0.5 * counts[:, 2])
    np.add.at(wins, (pairs[:, 1], pairs[:, 0]), counts[:, 1] + 0.5 * counts[:, 2])
    return wins


def rank(
    votes: list[tuple[str, str, str]],
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Ranking:
    """Fit on (system_a, system_b, winner) votes; percentile intervals from resampled votes.

    Votes are summarised as counts per (pair, outcome), so each bootstrap resample is
    one multinomial draw: 20,000 votes cost no more than 200.
    """
    systems = sorted({a for a, _, _ in votes} | {b for _, b, _ in votes})
    index = {system: i for i, system in enumerate(systems)}
    pair_ids: dict[tuple[int, int], int] = {}
    keys: list[tuple[int, int]] = []
    cells: list[int] = []
    for a, b, winner in votes:
        i, j = index[a], index[b]
        outcome = {"a": 0, "b": 1, "tie": 2}[winner]
        if i > j:
            i, j = j, i
            outcome = {0: 1, 1: 0, 2: 2}[outcome]
        if (i, j) not in pair_ids:
            pair_ids[(i, j)] = len(keys)
            keys.append((i, j))
        cells.append(pair_ids[(i, j)] * 3 + outcome)
    pairs = np.array(keys, dtype=int)
    counts = np.bincount(np.array(cells, dtype=int), minlength=3 * len(keys)).astype(float)
    scores = fit(_wins(counts, pairs, len(systems)))
    rng = np.random.default_rng(seed)
    total = int(counts.sum())
    draws = rng.multinomial(total, counts / total, size=resamples)
    samples = np.array([fit(_wins(draw.astype(float), pairs, len(systems))) for draw in draws])
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    return Ranking(systems, scores, low, high, total)
