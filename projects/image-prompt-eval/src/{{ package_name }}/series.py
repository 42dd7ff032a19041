"""Expand a prompt series into a table of prompts with stable, content-derived ids."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

from .config import SeriesSpec, template_slots
from .errors import DataError

BASE_COLUMNS = ["prompt_id", "seed", "template", "text"]


@dataclass(frozen=True)
class Prompt:
    """One generation job: a filled template and the seed to draw it with."""

    prompt_id: str
    seed: int
    template: int
    text: str
    levels: dict[str, str]

    @property
    def key(self) -> str:
        """Prompt and seed together: the unit every system draws once."""
        return f"{self.prompt_id}-s{self.seed}"

    def item_id(self, system: str) -> str:
        """The id of one system's image of this prompt and seed, as raters' files use it."""
        return f"{self.key}@{system}"


def prompt_id(template: str, levels: dict[str, str]) -> str:
    """A short hash of the template and the levels it uses.

    Content-derived rather than positional, so adding a level or reordering factors
    leaves every existing id (and every rating that refers to it) unchanged.
    """
    used = {slot: levels[slot] for slot in sorted(set(template_slots(template)))}
    digest = hashlib.sha256(json.dumps([template, used], sort_keys=True).encode()).hexdigest()
    return f"p{digest[:8]}"


def _seeds_for(spec: SeriesSpec, pid: str) -> list[int]:
    if isinstance(spec.seeds, list):
        return list(spec.seeds)
    # Seeds differ between prompts (so systems are not compared on one lucky noise
    # pattern) yet are a pure function of the prompt id.
    return [
        int(hashlib.sha256(f"{pid}/{k}".encode()).hexdigest()[:7], 16) for k in range(spec.seeds)
    ]


def expand(spec: SeriesSpec, sample_seed: int = 0) -> list[Prompt]:
    """Every prompt of the series in a deterministic order.

    The full design crosses every template with every combination of the levels it
    uses; a sampled design keeps `sample_size` of those combinations, drawn with
    `sample_seed`, in their original order.
    """
    combos: list[tuple[int, str, dict[str, str]]] = []
    seen: set[str] = set()
    for index, template in enumerate(spec.templates):
        slots = sorted(set(template_slots(template)), key=list(spec.factors).index)
        for values in itertools.product(*(spec.factors[slot] for slot in slots)):
            levels = dict(zip(slots, values, strict=True))
            pid = prompt_id(template, levels)
            if pid not in seen:
                seen.add(pid)
                combos.append((index, template, levels))
    if spec.design == "sampled" and spec.sample_size is not None:
        size = min(spec.sample_size, len(combos))
        keep = sorted(random.Random(sample_seed).sample(range(len(combos)), size))
        combos = [combos[i] for i in keep]
    prompts: list[Prompt] = []
    for index, template, levels in combos:
        pid = prompt_id(template, levels)
        text = template.format(**levels)
        prompts.extend(Prompt(pid, seed, index, text, levels) for seed in _seeds_for(spec, pid))
    return prompts


def write_prompts(prompts: list[Prompt], factors: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*BASE_COLUMNS, *factors])
        for prompt in prompts:
            row = [prompt.prompt_id, prompt.seed, prompt.template, prompt.text]
            writer.writerow([*row, *(prompt.levels.get(factor, "") for factor in factors)])


def read_prompts(path: Path) -> list[Prompt]:
    """Read a table written by `write_prompts` (or by hand, with the same columns)."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if missing := [column for column in BASE_COLUMNS if column not in header]:
            raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
        factors = [column for column in header if column not in BASE_COLUMNS]
        prompts = []
        for line, row in enumerate(reader, start=2):
            for column in ("seed", "template"):
                if not (row[column] or "").lstrip("-").isdigit():
                    raise DataError(f"{path}: row {line}, column {column}: not an integer")
            levels = {factor: row[factor] for factor in factors if row[factor]}
            prompts.append(
                Prompt(
                    row["prompt_id"], int(row["seed"]), int(row["template"]), row["text"], levels
                )
            )
    return prompts
