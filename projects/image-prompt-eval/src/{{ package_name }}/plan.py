"""Each rater's task list: balanced assignment, per-rater order, blinding and attention checks."""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass

from .config import Study
from .manifest import ImageRecord
from .series import Prompt


@dataclass(frozen=True)
class Task:
    """One screen for one rater.

    Likert tasks show `item_id` with `prompt_text` (for a gold check, the text of a
    different prompt). Pairwise tasks show `left_item` and `right_item`, two systems'
    images of one prompt and seed, already placed left/right for this rater.
    """

    position: int
    kind: str  # "likert" | "pairwise"
    prompt_text: str
    item_id: str = ""
    left_item: str = ""
    right_item: str = ""
    check: str = ""  # "" | "repeat" | "gold"
    repeat_of: int | None = None


def order_seed(study_seed: int, rater_id: str) -> int:
    """The seed of a rater's shuffles, logged with the rater so any order can be rebuilt."""
    return int(hashlib.sha256(f"{study_seed}/{rater_id}".encode()).hexdigest()[:8], 16)


def rater_ids(count: int) -> list[str]:
    return [f"r{index + 1:02d}" for index in range(count)]


def _assign(units: list[str], raters: list[str], per_unit: int, seed: int) -> dict[str, list[str]]:
    """Give each unit to `per_unit` distinct raters, spreading the load evenly.

    Units are shuffled once (study seed), then unit j goes to raters j*k .. j*k+k-1
    modulo the number of raters: every rater gets within one unit of the same load.
    """
    order = list(units)
    random.Random(seed).shuffle(order)
    assigned: dict[str, list[str]] = {rater: [] for rater in raters}
    for index, unit in enumerate(order):
        for offset in range(per_unit):
            assigned[raters[(index * per_unit + offset) % len(raters)]].append(unit)
    return assigned


def _mismatch(prompt: Prompt, prompts: list[Prompt], rng: random.Random) -> Prompt:
    """The prompt that differs from `prompt` in the most factor levels: a gold check's text."""

    def distance(other: Prompt) -> int:
        shared = set(prompt.levels) & set(other.levels)
        return sum(prompt.levels[name] != other.levels[name] for name in shared)

    candidates = [other for other in prompts if other.prompt_id != prompt.prompt_id]
    best = max(distance(other) for other in candidates)
    return rng.choice([other for other in candidates if distance(other) == best])


@dataclass(frozen=True)
class Units:
    """What a study hands out: Likert items (image ids) and pairs (`left|right` ids)."""

    items: list[str]
    pairs: list[str]


def study_units(study: Study, records: list[ImageRecord], prompts: list[Prompt]) -> Units:
    """The images of the series' prompts, and every pair of systems per prompt and seed."""
    keys = {prompt.key for prompt in prompts}
    items = sorted(r.item_id for r in records if f"{r.prompt_id}-s{r.seed}" in keys)
    pairs: list[str] = []
    if study.rating.pairwise:
        systems_by_key: dict[str, list[str]] = {}
        for item in items:
            key, system = item.split("@", 1)
            systems_by_key.setdefault(key, []).append(system)
        for key, systems in sorted(systems_by_key.items()):
            pairs.extend(
                f"{key}@{a}|{key}@{b}" for a, b in itertools.combinations(sorted(systems), 2)
            )
    return Units(items=items, pairs=pairs)


def build_plan(
    study: Study, records: list[ImageRecord], prompts: list[Prompt]
) -> dict[str, list[Task]]:
    """Task lists for every rater, a pure function of the study, images and prompts."""
    raters = rater_ids(study.rating.raters)
    per_item = study.rating.raters_per_item
    units = study_units(study, records, prompts)
    likert = _assign(units.items, raters, per_item, study.seed)
    pairwise = _assign(units.pairs, raters, per_item, study.seed + 1)
    return {
        rater: rater_tasks(study, prompts, units, rater, likert[rater], pairwise[rater])
        for rater in raters
    }


def per_rater_load(study: Study, units: Units) -> tuple[int, int]:
    """How many items and pairs one rater of the original plan has (the larger share)."""
    raters, per_item = study.rating.raters, study.rating.raters_per_item
    return (
        min(len(units.items), -(-len(units.items) * per_item // raters)),
        min(len(units.pairs), -(-len(units.pairs) * per_item // raters)),
    )


def extra_rater_tasks(
    study: Study,
    prompts: list[Prompt],
    units: Units,
    rater: str,
    coverage: dict[str, int],
) -> list[Task]:
    """Tasks for a rater who joins a running study: the least-covered items and pairs first.

    `coverage` counts how many raters already have each item and pair. The newcomer
    gets the same load as an original rater, taken from the units fewest raters
    have, so added raters even out coverage instead of piling onto the same images.
    Ties are broken by the rater's own seed.
    """
    picker = random.Random(order_seed(study.seed, rater) ^ 0x5EED)
    item_load, pair_load = per_rater_load(study, units)

    def least_covered(pool: list[str], count: int) -> list[str]:
        shuffled = list(pool)
        picker.shuffle(shuffled)
        return sorted(shuffled, key=lambda unit: coverage.get(unit, 0))[:count]

    return rater_tasks(
        study,
        prompts,
        units,
        rater,
        least_covered(units.items, item_load),
        least_covered(units.pairs, pair_load),
    )


def rater_tasks(
    study: Study,
    prompts: list[Prompt],
    units: Units,
    rater: str,
    likert_items: list[str],
    pairs: list[str],
) -> list[Task]:
    """One rater's screens in order: practice, then Likert items with checks, then pairs."""
    by_key = {prompt.key: prompt for prompt in prompts}

    def prompt_of(item_id: str) -> Prompt:
        return by_key[item_id.split("@", 1)[0]]

    attention = study.rating.attention
    rng = random.Random(order_seed(study.seed, rater))
    mine = list(likert_items)
    rng.shuffle(mine)
    screens: list[Task] = [
        Task(position=0, kind="likert", item_id=item, prompt_text=prompt_of(item).text)
        for item in mine
    ]
    # Gold: an image shown with another prompt's text; any attentive rater scores
    # its alignment low. Inserted at random positions among the real tasks.
    if len(prompts) > 1:
        for item in rng.sample(units.items, min(attention.gold, len(units.items))):
            other = _mismatch(prompt_of(item), prompts, rng)
            gold = Task(
                position=0, kind="likert", item_id=item, prompt_text=other.text, check="gold"
            )
            screens.insert(rng.randint(0, len(screens)), gold)
    # Repeats: a task seen earlier comes back at least three screens later.
    originals = [index for index, task in enumerate(screens) if not task.check]
    for index in sorted(rng.sample(originals, min(attention.repeats, len(originals)))):
        task = screens[index]
        again = Task(
            position=0,
            kind="likert",
            item_id=task.item_id,
            prompt_text=task.prompt_text,
            check="repeat",
        )
        screens.insert(rng.randint(min(index + 3, len(screens)), len(screens)), again)
    mine_pairs = list(pairs)
    rng.shuffle(mine_pairs)
    for pair in mine_pairs:
        first, second = pair.split("|")
        left, right = (first, second) if rng.random() < 0.5 else (second, first)
        screens.append(
            Task(
                position=0,
                kind="pairwise",
                prompt_text=prompt_of(first).text,
                left_item=left,
                right_item=right,
            )
        )
    # Practice: images this rater will not rate for real, before everything else.
    # Drawn last so a study without practice keeps the exact orders it always had.
    practice_count = study.rating.crowd.practice
    if practice_count:
        others = [item for item in units.items if item not in set(likert_items)] or units.items
        practice = [
            Task(
                position=0,
                kind="likert",
                item_id=item,
                prompt_text=prompt_of(item).text,
                check="practice",
            )
            for item in rng.sample(others, min(practice_count, len(others)))
        ]
        screens = practice + screens
    return _numbered(screens)


def _numbered(screens: list[Task]) -> list[Task]:
    """Give every screen its position, and each repeat the position of its original."""
    positions = {id(task): pos for pos, task in enumerate(screens)}
    numbered = []
    for pos, task in enumerate(screens):
        repeat_of = None
        if task.check == "repeat":
            repeat_of = next(
                positions[id(t)]
                for t in screens
                if not t.check and t.item_id == task.item_id and t.kind == "likert"
            )
        numbered.append(
            Task(
                pos,
                task.kind,
                task.prompt_text,
                task.item_id,
                task.left_item,
                task.right_item,
                task.check,
                repeat_of,
            )
        )
    return numbered
