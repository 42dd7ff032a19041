"""Parameter recovery: the demo's estimates beside the values its simulated raters were built on.

The demo's ratings come from `simulate.py`, so every "effect" in its report was
planted there: a system that honours the requested style more often, lighting that
moves aesthetics, raters with known biases and noise. What the demo can show is that
the pipeline gets those values back, not anything about lighting or styles. The
planted value of an image is what the simulated raters kept by the analysis would
give it on average: the simulator's latent score for the very pixels a rater is
served, plus each rater's bias, rounded onto the scale under that rater's normal
noise, clipped at the scale's ends, and averaged over the raters. A system's, level's
or difference's planted value averages its images'.

These values belong to the demo's own images and raters, while the intervals are
built to generalise to new prompts and raters, so they should cover the planted
values at least as often as their nominal 95%.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist, fmean
from typing import Any

from PIL import Image

from .blind import canonical_png
from .exchange import Item
from .simulate import RaterProfile, latent_scores


def expected_rating(latent: float, profile: RaterProfile, scale: tuple[int, int]) -> float:
    """Mean of round(latent + bias + noise) clipped to the scale, noise ~ N(0, profile.noise)."""
    low, high = scale
    centre = latent + profile.bias
    if profile.noise == 0:
        return float(min(max(round(centre), low), high))
    below = NormalDist(centre, profile.noise).cdf
    # E[score] = low + sum over k < high of P(score > k), and the score exceeds k when
    # the noisy value reaches k + 0.5 (clipping puts every value beyond an end on it).
    return low + sum(1.0 - below(k + 0.5) for k in range(low, high))


@dataclass(frozen=True)
class Shown:
    """An image as raters met it: the file, the prompt text beside it, and its size."""

    path: Path
    prompt: str
    size: int


def planted_scores(
    images: Mapping[str, Shown],
    profiles: Iterable[RaterProfile],
    criteria: list[str],
    scale: tuple[int, int],
) -> dict[str, dict[str, float]]:
    """Per image and criterion, the kept raters' mean expected rating."""
    raters = list(profiles)
    planted = {}
    for item_id, shown in images.items():
        with Image.open(io.BytesIO(canonical_png(shown.path, shown.size))) as image:
            latent = latent_scores(image, shown.prompt, criteria)
        planted[item_id] = {
            criterion: fmean(expected_rating(value, rater, scale) for rater in raters)
            for criterion, value in latent.items()
        }
    return planted


def _row(
    criterion: str, kind: str, effect: str, planted: float, estimate: dict[str, Any]
) -> dict[str, Any]:
    """One effect; `kind` is "system", "difference" or "level"."""
    low, high = estimate["ci_low"], estimate["ci_high"]
    covered = low is not None and low <= planted <= high
    key = "difference" if kind == "difference" else "mean"
    return {
        "criterion": criterion,
        "kind": kind,
        "effect": effect,
        "planted": round(planted, 3),
        "estimate": estimate[key],
        "ci_low": low,
        "ci_high": high,
        "covered": covered,
    }


def recovery(
    analysis: dict[str, Any], planted: Mapping[str, Mapping[str, float]], items: Mapping[str, Item]
) -> dict[str, Any]:
    """Every system mean, paired difference and factor level's mean beside its planted value.

    A planted mean is over images (each prompt once per system), as the analysis's
    means are over ratings of images that each got nearly the same number of raters.
    """
    rows = []
    for criterion in analysis["criteria"]:
        system_mean = {
            system: fmean(
                planted[i][criterion] for i, item in items.items() if item.system == system
            )
            for system in {item.system for item in items.values()}
        }
        for row in analysis["systems"].get(criterion, []):
            system = row["group"][0]
            rows.append(_row(criterion, "system", system, system_mean[system], row))
        for row in analysis["differences"].get(criterion, []):
            a, b = row["system_a"], row["system_b"]
            truth = system_mean[a] - system_mean[b]
            rows.append(_row(criterion, "difference", f"{a} - {b}", truth, row))
        for factor, levels in analysis["levels"].get(criterion, {}).items():
            for row in levels:
                values = [
                    planted[i][criterion]
                    for i, item in items.items()
                    if item.levels.get(factor) == row["level"]
                ]
                if values and row["ci_low"] is not None:
                    effect = f"{factor}: {row['level']}"
                    rows.append(_row(criterion, "level", effect, fmean(values), row))
    return {
        "rows": rows,
        "covered": sum(row["covered"] for row in rows),
        "total": len(rows),
    }
