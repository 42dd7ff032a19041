"""The analysis behind `analyze` and `report`: effects, rankings, agreement, rater quality.

The order matters: rater quality is judged on everything, flagged raters and speeders
are set aside (and listed with their reasons), and every statistic is computed on the
raters that remain. Intervals come from one set of rater-and-prompt bootstrap draws
(`stats.clustered`), shared by the Likert means, the Bradley-Terry ranking and
Krippendorff's alpha; paired differences between systems get a two-way
cluster-robust interval (`stats.paired`). Ratings are coded as integer arrays
once, up front, so a study of 100,000 ratings costs a few NumPy passes.
"""

from __future__ import annotations

import itertools
import operator
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError
from .exchange import AttentionResult, Item, LikertRating, PairVote, items_from_ids
from .stats import bradley_terry, quality
from .stats.agreement import Codes, agreement
from .stats.clustered import ClusterDraws, interval, weighted_totals
from .stats.paired import PairedDifference, paired_difference

MIN_RATERS = 5
MIN_PROMPTS = 10
MIN_VOTES = 30
MAX_UNDEFINED = 0.05


@dataclass(frozen=True)
class Options:
    """Knobs of the analysis; the defaults are what the report uses."""

    seed: int = 0
    resamples: int = 1000
    confidence: float = 0.95
    scale: tuple[int, int] = (1, 5)
    min_response_ms: int = 1000
    exclude_flagged: bool = True


def _codes(names: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Sorted distinct names and each name's index among them.

    A set and a dict lookup per name, both in C (`map` calls no Python code): several
    times faster than np.unique, which sorts every one of the 100,000 strings.
    """
    unique = sorted(set(names))
    index = {name: code for code, name in enumerate(unique)}
    codes = np.fromiter(map(index.__getitem__, names), dtype=np.int64, count=len(names))
    return unique, codes


def _recode(names: list[str], codes: np.ndarray, more: list[str]) -> tuple[list[str], np.ndarray]:
    """Like `_codes` on [names[c] for c in codes] + more, without a string per rating.

    `names` may repeat (several items share a prompt); codes are mapped through a
    lookup table of the names actually used, so the ratings stay integer arrays.
    """
    used = {names[code] for code in np.unique(codes).tolist()}
    unique = sorted(used | set(more))
    index = {name: code for code, name in enumerate(unique)}
    lookup = np.array([index.get(name, -1) for name in names], dtype=np.int64)
    extra = np.fromiter(map(index.__getitem__, more), dtype=np.int64, count=len(more))
    return unique, np.concatenate([lookup[codes], extra])


@dataclass(frozen=True)
class Ratings:
    """The Likert ratings as parallel integer arrays, with the names the codes stand for."""

    raters: list[str]
    items: list[str]
    criteria: list[str]
    rater: np.ndarray
    item: np.ndarray
    criterion: np.ndarray
    score: np.ndarray
    response_ms: list[int | None]

    @classmethod
    def of(cls, ratings: list[LikertRating]) -> Ratings:
        # itemgetter through map runs in C; zip(*ratings) costs five times as much.
        columns = [list(map(operator.itemgetter(k), ratings)) for k in range(5)]
        raters, rater = _codes(columns[0])
        items, item = _codes(columns[1])
        criteria, criterion = _codes(columns[2])
        score = np.fromiter(columns[3], dtype=np.int64, count=len(ratings))
        response_ms = columns[4]
        return cls(raters, items, criteria, rater, item, criterion, score, response_ms)


def analyze(
    ratings: list[LikertRating],
    votes: list[PairVote] | None = None,
    items: dict[str, Item] | None = None,
    attention: list[AttentionResult] | None = None,
    options: Options | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as plain JSON-ready data."""
    options = options or Options()
    votes = votes or []
    low, high = options.scale
    table = Ratings.of(ratings)
    if (outside := (table.score < low) | (table.score > high)).any():
        bad = ratings[int(np.argmax(outside))]
        raise DataError(
            f"rater {bad.rater_id} gave item {bad.item_id} a score of {bad.score}, outside the "
            f"scale {low}-{high}: pass the scale the study used with --scale LOW-HIGH"
        )
    known, notes = _items(table.items, items)
    raters = _rater_quality(table, votes, attention or [], options)
    excluded = {row["rater_id"] for row in raters if row["excluded"]}
    keep = ~np.isin(table.rater, [table.raters.index(name) for name in excluded])
    kept_votes = [v for v in votes if v.rater_id not in excluded]
    if not keep.any():
        raise DataError(
            f"every rater was excluded ({', '.join(sorted(excluded))}): see why in the rater "
            "flags with --keep-flagged, or lower --min-response-ms"
        )
    criteria = [table.criteria[c] for c in np.unique(table.criterion[keep])]
    result: dict[str, Any] = {
        "ratings": int(keep.sum()),
        "raters": int(np.unique(table.rater[keep]).size),
        "items": int(np.unique(table.item[keep]).size),
        "criteria": criteria,
        "scale": [low, high],
        "method": {
            "resamples": options.resamples,
            "confidence": options.confidence,
            "seed": options.seed,
            "bootstrap": "raters and prompts resampled independently (pigeonhole)",
            "differences": "two-way (rater, prompt) cluster-robust standard error, normal interval",
        },
        "exclusions": {
            "min_response_ms": options.min_response_ms,
            "exclude_flagged": options.exclude_flagged,
            "raters": [
                {"rater_id": row["rater_id"], "reasons": row["flags"]}
                for row in raters
                if row["excluded"]
            ],
            "ratings_dropped": int((~keep).sum()),
            "votes_dropped": len(votes) - len(kept_votes),
        },
        "systems": {},
        "differences": {},
        "factors": {},
        "levels": {},
        "agreement": {},
        "pairwise": None,
        "raters_quality": raters,
        "notes": notes,
        "warnings": [],
    }
    _estimate(result, table, keep, kept_votes, known, options)
    return result


def _items(
    ids: list[str], items: dict[str, Item] | None
) -> tuple[dict[str, Item] | None, list[str]]:
    """The items with their systems, or None (and why) when the ratings name no systems."""
    if items is not None:
        if unknown := sorted(set(ids) - set(items)):
            raise DataError(
                f"item '{unknown[0]}' is not in the items file (and {len(unknown) - 1} more)"
            )
        return items, []
    known = items_from_ids(set(ids))
    if len(known) == len(ids):
        return known, []
    example = sorted(set(ids) - set(known))[0]
    return None, [
        f"Agreement and rater quality only: item ids such as '{example}' name no system "
        "(use prompt@system ids or pass --items FILE), so the Likert ratings give no "
        "system or factor effects."
    ]


def _median_ms(table: Ratings, votes: list[PairVote]) -> dict[str, float]:
    """Per rater, the median response time over screens (a Likert screen has several ratings)."""
    if None in table.response_ms:
        ms = np.array([-1 if m is None else m for m in table.response_ms], dtype=np.int64)
    else:  # the usual case: every rating timed, converted in C
        ms = np.array(table.response_ms, dtype=np.int64)
    timed = ms >= 0
    # One time per screen: the first rating of each (rater, item).
    key = table.rater[timed] * len(table.items) + table.item[timed]
    _, first = np.unique(key, return_index=True)
    timed_votes = [v for v in votes if v.response_ms is not None]
    raters, rater = _recode(
        table.raters, table.rater[timed][first], [v.rater_id for v in timed_votes]
    )
    times = np.concatenate(
        [ms[timed][first], np.array([v.response_ms for v in timed_votes], dtype=np.int64)]
    )
    # Each rater's times sorted, then the middle one (or the mean of the middle two).
    order = np.lexsort((times, rater))
    times, counts = times[order], np.bincount(rater, minlength=len(raters))
    starts = np.cumsum(counts) - counts
    has = counts > 0
    middle = (times[(starts + (counts - 1) // 2)[has]] + times[(starts + counts // 2)[has]]) / 2
    return dict(zip(np.asarray(raters)[has].tolist(), middle.tolist(), strict=True))


def _rater_quality(
    table: Ratings, votes: list[PairVote], attention: list[AttentionResult], options: Options
) -> list[dict[str, Any]]:
    """One row per rater: agreement, attention, speed, spread, flags and whether excluded."""
    low, high = options.scale
    rhos = np.full((len(table.criteria), len(table.raters)), np.nan)
    for c in range(len(table.criteria)):
        mask = table.criterion == c
        units, unit = np.unique(table.item[mask], return_inverse=True)
        codes = Codes(
            rater=table.rater[mask],
            unit=unit,
            cluster=np.zeros(units.size, dtype=np.int64),
            category=table.score[mask] - low,
            n_raters=len(table.raters),
            n_units=int(units.size),
            n_clusters=1,
            scale=np.arange(low, high + 1),
        )
        rhos[c] = quality.agreement_with_others(codes)
    checks: dict[str, list[bool]] = defaultdict(list)
    for check in attention:
        checks[check.rater_id].append(check.passed)
    medians = _median_ms(table, votes)
    counts = np.bincount(table.rater, minlength=len(table.raters))
    sums = np.bincount(table.rater, weights=table.score, minlength=len(table.raters))
    squares = np.bincount(
        table.rater, weights=table.score.astype(float) ** 2, minlength=len(table.raters)
    )
    rows = []
    for code, rater in enumerate(table.raters):
        valid = rhos[:, code][~np.isnan(rhos[:, code])]
        rho = float(valid.mean()) if valid.size else None
        passed = checks[rater]
        failed = passed.count(False)
        mean = sums[code] / counts[code]
        spread = float(np.sqrt(max(squares[code] / counts[code] - mean**2, 0.0)))
        median_ms = medians.get(rater)
        found = quality.flags(rho, failed, len(passed), spread, median_ms, options.min_response_ms)
        rows.append(
            {
                "rater_id": rater,
                "ratings": int(counts[code]),
                "mean_score": round(float(mean), 3),
                "agreement_rho": None if rho is None else round(rho, 3),
                "attention_checks": len(passed),
                "attention_failed": failed,
                "median_response_ms": None if median_ms is None else round(median_ms),
                "flags": found,
                "excluded": bool(found) and options.exclude_flagged,
            }
        )
    return rows


def _summary(
    estimate: float, low: float | np.ndarray, high: float | np.ndarray, **extra: Any
) -> dict[str, Any]:
    def clean(value: float | np.ndarray) -> float | None:
        return None if np.isnan(value) else round(float(value), 3)

    return {"mean": clean(estimate), "ci_low": clean(low), "ci_high": clean(high), **extra}


@dataclass(frozen=True)
class Design:
    """The kept raters and prompts (ratings' and votes'), coded, and their bootstrap draws."""

    raters: list[str]
    prompts: list[str]
    rater: np.ndarray
    prompt: np.ndarray
    draws: ClusterDraws


def _estimate(
    result: dict[str, Any],
    table: Ratings,
    keep: np.ndarray,
    votes: list[PairVote],
    known: dict[str, Item] | None,
    options: Options,
) -> None:
    """Fill in the statistics from the kept ratings and votes."""
    low, high = options.scale
    item_prompt = [known[name].prompt_id if known else name for name in table.items]
    raters, rater = _recode(table.raters, table.rater[keep], [v.rater_id for v in votes])
    prompts, prompt = _recode(item_prompt, table.item[keep], [v.prompt_id for v in votes])
    n_kept = int(keep.sum())
    draws = ClusterDraws.draw(len(raters), len(prompts), options.resamples, options.seed)
    design = Design(raters, prompts, rater[:n_kept], prompt[:n_kept], draws)
    if len(raters) < MIN_RATERS:
        result["warnings"].append(
            f"Only {len(raters)} raters: intervals that resample raters are unreliable with "
            f"fewer than {MIN_RATERS}, and a rater's leniency cannot be told apart from a "
            "system's quality."
        )
    item, criterion, score = table.item[keep], table.criterion[keep], table.score[keep]
    for c in np.unique(criterion):
        mask = criterion == c
        units, unit = np.unique(item[mask], return_inverse=True)
        unit_prompt = np.zeros(units.size, dtype=np.int64)
        unit_prompt[unit] = design.prompt[mask]
        codes = Codes(
            rater=design.rater[mask],
            unit=unit,
            cluster=unit_prompt,
            category=score[mask] - low,
            n_raters=len(raters),
            n_units=int(units.size),
            n_clusters=len(prompts),
            scale=np.arange(low, high + 1),
        )
        result["agreement"][table.criteria[c]] = agreement(
            codes, raters, draws.prompts, options.confidence
        )
    if known is not None:
        _likert_effects(result, table, keep, known, design, options)
    if votes:
        _ranking(result, votes, design, n_kept, rater, prompt, options)


def _likert_effects(
    result: dict[str, Any],
    table: Ratings,
    keep: np.ndarray,
    known: dict[str, Item],
    design: Design,
    options: Options,
) -> None:
    """Means per system and per factor level (by system and overall), paired differences.

    Per criterion, `weighted_totals` gives every resample's rater-weighted score totals
    and rating counts per (system, prompt) cell; weighting by the prompt draws and
    summing over all prompts, or over a factor level's prompts (a level is a property of
    the prompt), gives each mean's resamples as a ratio of totals. Paired differences
    take their interval from `stats.paired` instead: the pigeonhole bootstrap counts
    rating noise three times, which a mean hardly notices and a difference does.
    """
    systems, item_system = _codes([known[name].system for name in table.items])
    system = item_system[table.item[keep]]
    criterion, score = table.criterion[keep], table.score[keep].astype(float)
    rater, prompt, draws = design.rater, design.prompt, design.draws
    n_systems, n_prompts = len(systems), len(design.prompts)
    factors, levels, indicators = _factor_levels(known, design.prompts)
    for s, name in enumerate(systems):
        rated = int(np.unique(prompt[system == s]).size)
        if 0 < rated < MIN_PROMPTS:
            result["warnings"].append(
                f"System {name} was rated on only {rated} prompts: its interval is rough "
                f"below {MIN_PROMPTS}."
            )
    weights = draws.prompts.astype(np.float32)[:, None, None, :]
    # One (prompts x columns) matrix sums a cell table over all prompts (column 0) and
    # over each factor level's prompts (the rest): one product instead of one per factor.
    columns = np.hstack([np.ones((n_prompts, 1)), *(indicators[f] for f in factors)])
    bounds = np.cumsum([1, *(len(levels[f]) for f in factors)])
    group_sums = columns.astype(np.float32)
    confidence = options.confidence
    for c in np.unique(criterion):
        name = table.criteria[c]
        mask = criterion == c
        cell = system[mask] * n_prompts + prompt[mask]
        values = np.stack([score[mask], np.ones(int(mask.sum()))])
        cells = n_systems * n_prompts
        # (resamples, total|count, system, prompt), and the same without resampling.
        resampled = weighted_totals(draws, rater[mask], cell, values, cells)
        resampled = resampled.reshape(-1, 2, n_systems, n_prompts)
        resampled *= weights
        # (resamples, total|count, system, all prompts|level...)
        grouped = (resampled.reshape(-1, n_prompts) @ group_sums).reshape(*resampled.shape[:-1], -1)
        point = np.stack([np.bincount(cell, weights=v, minlength=cells) for v in values])
        point = point.reshape(2, n_systems, n_prompts)
        present = [s for s in range(n_systems) if point[1, s].sum() > 0]
        by_system = grouped[..., 0]
        rows = []
        for s in present:
            estimate, samples = _ratio(point[:, s].sum(-1), by_system[:, :, s])
            rows.append(
                {
                    "group": [systems[s]],
                    **_summary(estimate, *interval(samples, confidence)),
                    "n_ratings": int(point[1, s].sum()),
                    "n_prompts": int(np.count_nonzero(point[1, s])),
                }
            )
            if (share := float(np.isnan(samples).mean())) > MAX_UNDEFINED:
                result["warnings"].append(
                    f"{name}, {systems[s]}: {share:.0%} of resamples held no rating of it; "
                    "its interval leaves them out."
                )
        result["systems"][name] = rows
        result["differences"][name] = [
            _difference(
                systems[a],
                systems[b],
                paired_difference(
                    rater[mask],
                    prompt[mask],
                    np.select([system[mask] == a, system[mask] == b], [0, 1], -1),
                    score[mask],
                    confidence,
                ),
            )
            for a, b in itertools.combinations(present, 2)
        ]
        result["factors"][name], result["levels"][name] = {}, {}
        for f, factor in enumerate(factors):
            level_resampled = grouped[..., bounds[f] : bounds[f + 1]]  # (..., systems, levels)
            level_point = point @ indicators[factor]  # (2, systems, levels)
            rows = []
            for s in present:
                for k, level in enumerate(levels[factor]):
                    if level_point[1, s, k]:
                        mean, spread = _ratio(level_point[:, s, k], level_resampled[:, :, s, k])
                        rows.append(
                            {
                                "group": [level, systems[s]],
                                **_summary(mean, *interval(spread, confidence)),
                            }
                        )
            result["factors"][name][factor] = sorted(rows, key=lambda row: row["group"])
            overall_resampled, overall_point = level_resampled.sum(axis=2), level_point.sum(axis=1)
            result["levels"][name][factor] = [
                {"level": level, **_summary(mean, *interval(spread, confidence))}
                for k, level in enumerate(levels[factor])
                for mean, spread in [_ratio(overall_point[:, k], overall_resampled[:, :, k])]
            ]


def _factor_levels(
    known: dict[str, Item], prompts: list[str]
) -> tuple[list[str], dict[str, list[str]], dict[str, np.ndarray]]:
    """The factors, each factor's levels, and (prompts x levels) indicator matrices."""
    code = {name: i for i, name in enumerate(prompts)}
    factors = sorted({name for item in known.values() for name in item.levels})
    levels, indicators = {}, {}
    for factor in factors:
        of_prompt = {i.prompt_id: i.levels[factor] for i in known.values() if factor in i.levels}
        levels[factor] = sorted(set(of_prompt.values()))
        matrix = np.zeros((len(prompts), len(levels[factor])))
        for prompt, level in of_prompt.items():
            if prompt in code:
                matrix[code[prompt], levels[factor].index(level)] = 1.0
        indicators[factor] = matrix
    return factors, levels, indicators


def _difference(a: str, b: str, difference: PairedDifference) -> dict[str, Any]:
    """A paired difference, its standard error and interval (None where undefined)."""
    return {
        "system_a": a,
        "system_b": b,
        "difference": round(difference.estimate, 3),
        **{
            key: None if np.isnan(value) else round(value, 3)
            for key, value in (
                ("se", difference.se),
                ("ci_low", difference.low),
                ("ci_high", difference.high),
            )
        },
    }


def _ratio(point: np.ndarray, resampled: np.ndarray) -> tuple[float, np.ndarray]:
    """A mean from (total, count) and its resamples from (resamples, 2); NaN where empty."""
    totals, counts = resampled[:, 0], resampled[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        samples = np.where(counts > 0, totals / counts, np.nan)
    return (float(point[0] / point[1]) if point[1] else float("nan")), samples


def _ranking(
    result: dict[str, Any],
    votes: list[PairVote],
    design: Design,
    offset: int,
    rater: np.ndarray,
    prompt: np.ndarray,
    options: Options,
) -> None:
    systems, coded = _codes([v.system_a for v in votes] + [v.system_b for v in votes])
    outcome_code = {"a": 0, "b": 1, "tie": 2}
    ranking = bradley_terry.rank(
        systems,
        coded[: len(votes)],
        coded[len(votes) :],
        np.fromiter((outcome_code[v.winner] for v in votes), dtype=np.int64, count=len(votes)),
        rater[offset:],
        prompt[offset:],
        design.draws,
        options.confidence,
    )
    ties = sum(v.winner == "tie" for v in votes)
    result["pairwise"] = {"votes": len(votes), "ties": ties, "ranking": ranking.as_rows()}
    if len(votes) < MIN_VOTES:
        result["warnings"].append(
            f"Only {len(votes)} pairwise votes: the ranking's intervals are wide and can be "
            f"unstable below {MIN_VOTES}; read the order as tentative."
        )
