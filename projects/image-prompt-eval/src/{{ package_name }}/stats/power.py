"""How many raters and prompts a study needs: power by simulation, analysed as the report does.

Each simulated study draws rater leniencies, prompt difficulties (shared by both
systems, so the comparison is paired), a system-by-prompt interaction, optionally a
rater's preference for one system, and rating noise, rounds the scores onto the
scale, and asks whether the paired difference's interval (`stats.paired`, the code
the analysis uses) excludes zero. Power is the share of simulated studies where it
does. Images are handed out as the rating app does (`plan.py: _assign`): shuffled,
then dealt to raters in turn, so every rater gets the same load.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .paired import paired_difference


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
    rater_system_sd: float = 0.0
    ratings_per_rater: int | None = None

    def ratings(self, raters: int, prompts: int) -> int:
        """Ratings per criterion in a study of this size: each rater's load, or each image's."""
        images = 2 * prompts
        if self.ratings_per_rater is not None:
            return raters * min(self.ratings_per_rater, images)
        return images * min(self.raters_per_item, raters)


def simulate_study(
    raters: int, prompts: int, assumptions: Assumptions, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One study of two systems: (rater, prompt, system, score) per rating."""
    low, high = assumptions.scale
    centre = (low + high) / 2 - assumptions.effect / 2
    leniency = rng.normal(0, assumptions.rater_sd, raters)
    preference = rng.normal(0, assumptions.rater_system_sd, (raters, 2))
    difficulty = rng.normal(0, assumptions.prompt_sd, prompts)
    item, rater = _deal(2 * prompts, raters, assumptions.ratings(raters, prompts), rng)
    prompt, system = item // 2, item % 2
    interaction = rng.normal(0, assumptions.interaction_sd, prompts * 2)[item]
    latent = (
        centre
        + assumptions.effect * (system == 0)
        + leniency[rater]
        + preference[rater, system]
        + difficulty[prompt]
        + interaction
        + rng.normal(0, assumptions.noise_sd, item.size)
    )
    score = np.clip(np.round(latent), low, high)
    return rater, prompt, system, score


def _deal(
    images: int, raters: int, ratings: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(image, rater) of each rating: images shuffled, then dealt to raters in turn.

    As the rating app assigns work (`plan.py: _assign`): image j of the shuffled order
    takes every images-th rating slot, so images get as even a number of raters as the
    total allows, and its raters are the next ones in a shuffled cycle of raters, so
    they are distinct and every rater's load differs from another's by at most one.
    """
    order = rng.permutation(images)
    cycle = rng.permutation(raters)
    slot = np.arange(ratings)
    position = slot % images
    per_image = np.bincount(position, minlength=images)
    first = np.cumsum(per_image) - per_image
    image = order[position]
    rater = cycle[(first[position] + slot // images) % raters]
    return image, rater


def detects(
    raters: int,
    prompts: int,
    assumptions: Assumptions,
    rng: np.random.Generator,
    confidence: float,
) -> bool:
    """Whether one simulated study's paired-difference interval excludes zero."""
    rater, prompt, system, score = simulate_study(raters, prompts, assumptions, rng)
    difference = paired_difference(rater, prompt, system, score, confidence)
    return bool(difference.low > 0 or difference.high < 0)


def power(
    raters: int,
    prompts: int,
    assumptions: Assumptions,
    simulations: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> float:
    """Share of simulated studies of this size whose interval excludes a zero difference."""
    rng = np.random.default_rng([seed, raters, prompts])
    hits = sum(detects(raters, prompts, assumptions, rng, confidence) for _ in range(simulations))
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
            rows.append(
                {
                    "raters": r,
                    "prompts": p,
                    "ratings_per_criterion": assumptions.ratings(r, p),
                    "power": round(value, 3),
                    "enough": value >= target,
                }
            )
    rows.sort(key=lambda row: (row["ratings_per_criterion"], row["raters"]))
    return rows
