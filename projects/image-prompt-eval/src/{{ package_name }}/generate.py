"""Draw every prompt of the series with every system; resumable, with a progress bar."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .backends import Backend, build_backend
from .config import Study, SystemSpec
from .manifest import ImageRecord, Manifest
from .series import Prompt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Workspace:
    """Where a study's files live: prompts, images, the manifest and the ratings."""

    root: Path

    @property
    def prompts(self) -> Path:
        return self.root / "prompts.csv"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.db"

    @property
    def ratings(self) -> Path:
        return self.root / "ratings.db"

    def image_path(self, system: str, prompt: Prompt) -> Path:
        return self.root / "images" / system / f"{prompt.key}.png"


@dataclass(frozen=True)
class GenerationSummary:
    """What one `generate` run did."""

    generated: int
    skipped: int


def interleaved(
    systems: list[SystemSpec], prompts: list[Prompt], seed: int
) -> list[tuple[SystemSpec, Prompt]]:
    """Every (system, prompt) job, prompt by prompt, systems in a fresh random order each time.

    Drawing one system after the other would leave file times (and manifest times)
    that split the systems into two clean blocks; interleaving leaves none.
    """
    rng = random.Random(seed)
    jobs: list[tuple[SystemSpec, Prompt]] = []
    for prompt in prompts:
        order = list(systems)
        rng.shuffle(order)
        jobs.extend((system, prompt) for system in order)
    return jobs


def generate(
    study: Study,
    prompts: list[Prompt],
    workspace: Workspace,
    systems: list[str] | None = None,
    progress: bool = True,
) -> GenerationSummary:
    """Draw the images not drawn yet.

    An item counts as done when its manifest row and its file both exist, so an
    interrupted run picks up where it stopped and a deleted image is drawn again.
    The image is written under a temporary name and renamed, so a crash never leaves
    a half-written PNG that looks finished.
    """
    manifest = Manifest(workspace.manifest)
    done = {
        record.item_id for record in manifest.records() if (workspace.root / record.path).is_file()
    }
    chosen = [s for s in study.systems if systems is None or s.name in systems]
    jobs = interleaved(chosen, prompts, study.seed)
    todo = [(s, p) for s, p in jobs if p.item_id(s.name) not in done]
    backends: dict[str, Backend] = {}
    with tqdm(
        total=len(jobs), initial=len(jobs) - len(todo), disable=not progress, unit="img"
    ) as bar:
        for system, prompt in todo:
            if system.name not in backends:
                backends[system.name] = build_backend(system)
            backend = backends[system.name]
            bar.set_postfix_str(f"{system.name} {prompt.key}")
            start = time.perf_counter()
            result = backend.generate(prompt.text, prompt.seed, study.image_size)
            seconds = time.perf_counter() - start
            path = workspace.image_path(system.name, prompt)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            result.image.save(partial, format="PNG")
            partial.replace(path)
            manifest.add(
                ImageRecord(
                    item_id=prompt.item_id(system.name),
                    prompt_id=prompt.prompt_id,
                    seed=prompt.seed,
                    system=system.name,
                    backend=system.backend,
                    model=backend.model,
                    path=path.relative_to(workspace.root).as_posix(),
                    parameters={**result.parameters, "size": study.image_size},
                    seconds=round(seconds, 4),
                )
            )
            bar.update(1)
    log.info("generated %d images, skipped %d already done", len(todo), len(jobs) - len(todo))
    return GenerationSummary(generated=len(todo), skipped=len(jobs) - len(todo))
