"""How many raters and prompts a study needs: power by simulation, analysed as the report does.

Each simulated study draws rater leniencies, prompt difficulties (shared by both
systems, so the comparison is paired), a system-by-prompt interaction and rating
noise, rounds the scores onto the scale, and asks whether the paired difference's
rater-and-prompt bootstrap interval (the same `stats.clustered` code the analysis
uses) excludes zero. Power is the share of simulated studies where it does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clustered import ClusterDraws, interval, weighted_totals


@dataclass(frozen=True)
class Assumptions:
    """What the planner assumes about the ratings, in scale points.

    The defaults are typical of 1-5 image ratings (rater leniency and prompt difficulty
    each move a score by about half a point); replace them with the spread a pilot
    study shows.
    """

    effect: float
    rater_sd: float = 0.5
    prompt_sd: float = 0.6
    interaction_sd: float = 0.3
    noise_sd: float = 0.8
    raters_per_item: int = 3
    scale: tuple[int, int] = (1, 5)


def simulate_study(
    raters: int, prompts: int, assumptions: Assumptions, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One study of two systems: (rater, prompt, system, score) per rating."""
    low, high = assumptions.scale
    centre = (low + high) / 2 - assumptions.effect / 2
    per_item = min(assumptions.raters_per_item, raters)
    leniency = rng.normal(0, assumptions.rater_sd, raters)
    difficulty = rng.normal(0, assumptions.prompt_sd, prompts)
    # Each (prompt, system) image goes to its own random subset of raters.
    keys = rng.random((prompts * 2, raters))
    chosen = np.argsort(keys, axis=1)[:, :per_item]
    item = np.repeat(np.arange(prompts * 2), per_item)
    rater = chosen.ravel()
    prompt, system = item // 2, item % 2
    interaction = rng.normal(0, assumptions.interaction_sd, prompts * 2)[item]
    latent = (
        centre
        + assumptions.effect * (system == 0)
        + leniency[rater]
        + difficulty[prompt]
        + interaction
        + rng.normal(0, assumptions.noise_sd, item.size)
    )
    score = np.clip(np.round(latent), low, high)
    return rater, prompt, system, score


def detects(
    raters: int,
    prompts: int,
    assumptions: Assumptions,
    rng: np.random.Generator,
    resamples: int,
    confidence: float,
) -> bool:
    """Whether one simulated study's paired-difference interval excludes zero."""
    rater, prompt, system, score = simulate_study(raters, prompts, assumptions, rng)
    draws = ClusterDraws.draw(raters, prompts, resamples, int(rng.integers(2**31)))
    cell = system * prompts + prompt
    values = np.stack([score, np.ones(score.size)])
    totals = weighted_totals(draws, rater, cell, values, 2 * prompts).reshape(-1, 2, 2, prompts)
    sums = np.einsum("bksp,bp->bks", totals, draws.prompts.astype(np.float32))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums[:, 0] / sums[:, 1]
    low, high = interval(means[:, 0] - means[:, 1], confidence)
    return bool(low > 0 or high < 0)


def power(
    raters: int,
    prompts: int,
    assumptions: Assumptions,
    simulations: int = 200,
    resamples: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> float:
    """Share of simulated studies of this size whose interval excludes a zero difference."""
    rng = np.random.default_rng([seed, raters, prompts])
    hits = sum(
        detects(raters, prompts, assumptions, rng, resamples, confidence)
        for _ in range(simulations)
    )
    return hits / simulations


def plan(
    raters: list[int],
    prompts: list[int],
    assumptions: Assumptions,
    target: float = 0.8,
    simulations: int = 200,
    seed: int = 0,
) -> list[dict[str, float | int | bool]]:
    """Power of every design in the grid, cheapest (fewest ratings) first."""
    rows: list[dict[str, float | int | bool]] = []
    for r in raters:
        for p in prompts:
            value = power(r, p, assumptions, simulations, seed=seed)
            per_item = min(assumptions.raters_per_item, r)
            rows.append(
                {
                    "raters": r,
                    "prompts": p,
                    "ratings_per_criterion": 2 * p * per_item,
                    "power": round(value, 3),
                    "enough": value >= target,
                }
            )
    rows.sort(key=lambda row: (row["ratings_per_criterion"], row["raters"]))
    return rows
