"""Inter-rater agreement: Krippendorff's alpha, Fleiss' kappa and Cohen's kappa.

The coefficients come from well-tested libraries (`krippendorff`, statsmodels); this
module only shapes the ratings into the matrices they expect.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import krippendorff
import numpy as np
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

Level = Literal["nominal", "ordinal", "interval"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval")


@dataclass(frozen=True)
class RatingMatrix:
    """Scores as raters x items with NaN where a rater did not rate an item."""

    raters: list[str]
    items: list[str]
    values: np.ndarray

    @classmethod
    def from_triples(cls, triples: list[tuple[str, str, int]]) -> RatingMatrix:
        raters = sorted({rater for rater, _, _ in triples})
        items = sorted({item for _, item, _ in triples})
        row = {rater: index for index, rater in enumerate(raters)}
        col = {item: index for index, item in enumerate(items)}
        values = np.full((len(raters), len(items)), np.nan)
        for rater, item, score in triples:
            values[row[rater], col[item]] = score
        return cls(raters, items, values)


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def krippendorff_alpha(matrix: np.ndarray, level: Level) -> float | None:
    """Alpha at one level of measurement; None when there is nothing to compare.

    Missing ratings (NaN) are allowed: alpha uses every item with two or more ratings.
    """
    pairable = np.sum(~np.isnan(matrix), axis=0) >= 2
    if (
        pairable.sum() < 1
        or len(np.unique(matrix[:, pairable][~np.isnan(matrix[:, pairable])])) < 2
    ):
        return None
    return _clean(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


def fleiss(matrix: np.ndarray) -> tuple[float | None, int]:
    """Fleiss' kappa over the items rated by the most common number of raters.

    Fleiss' formula needs the same number of ratings per item, so items rated by a
    different number of raters are left out; the count of items used is returned.
    """
    counts = np.sum(~np.isnan(matrix), axis=0)
    if counts.size == 0 or counts.max() < 2:
        return None, 0
    usable = counts[counts >= 2]
    modal = int(np.bincount(usable).argmax())
    columns = matrix[:, counts == modal]
    subjects = np.array([column[~np.isnan(column)] for column in columns.T], dtype=int)
    table, _ = aggregate_raters(subjects)
    if table.shape[1] < 2:
        return None, subjects.shape[0]
    return _clean(fleiss_kappa(table, method="fleiss")), int(subjects.shape[0])


def cohen_pairs(ratings: RatingMatrix, min_items: int = 5) -> list[dict[str, object]]:
    """Cohen's kappa for each pair of raters on the items both rated (at least min_items)."""
    categories = np.unique(ratings.values[~np.isnan(ratings.values)])
    index = {value: position for position, value in enumerate(categories)}
    pairs = []
    for (i, a), (j, b) in itertools.combinations(enumerate(ratings.raters), 2):
        both = ~np.isnan(ratings.values[i]) & ~np.isnan(ratings.values[j])
        if both.sum() < min_items:
            continue
        table = np.zeros((len(categories), len(categories)))
        for x, y in zip(ratings.values[i, both], ratings.values[j, both], strict=True):
            table[index[x], index[y]] += 1
        kappa = cohens_kappa(table, return_results=False) if len(categories) > 1 else math.nan
        pairs.append(
            {"rater_a": a, "rater_b": b, "items": int(both.sum()), "kappa": _clean(float(kappa))}
        )
    return pairs


def agreement(ratings: RatingMatrix) -> dict[str, object]:
    """Every coefficient for one criterion."""
    kappa, fleiss_items = fleiss(ratings.values)
    return {
        "raters": len(ratings.raters),
        "items": len(ratings.items),
        "krippendorff_alpha": {
            level: krippendorff_alpha(ratings.values, level) for level in LEVELS
        },
        "fleiss_kappa": kappa,
        "fleiss_items": fleiss_items,
        "cohen_kappa": cohen_pairs(ratings),
    }
