"""Optional CLIPScore (Hessel et al., 2021): image-text similarity from a CLIP model.

CLIPScore = 2.5 * max(cos(image embedding, text embedding), 0). It is a cheap proxy
for prompt alignment only, with known limits: it barely reacts to counting, spatial
relations, negation and attribute binding ("a red cube on a blue ball"), it favours
images of text that repeats the prompt, it inherits CLIP's training biases, and its
scale differs between CLIP variants, so compare systems with one model only. Treat
it as a sanity check next to the human ratings, never as a substitute.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from PIL import Image

from .errors import BackendError, DataError
from .exchange import Item, LikertRating
from .generate import Workspace
from .manifest import Manifest
from .series import read_prompts
from .stats.quality import spearman

WEIGHT = 2.5


class ClipScorer:
    """A CLIP model and processor from a local folder or the hub, loaded once."""

    def __init__(self, model: str, device: str = "cpu") -> None:
        try:
            import torch
            from transformers import CLIPModel, CLIPProcessor
        except ImportError as exc:
            raise BackendError("CLIPScore needs the clip extra: pip install -e '.[clip]'") from exc
        try:
            loaded: Any = CLIPModel.from_pretrained(model)
            self.model: Any = loaded.to(device).eval()
            self.processor: Any = CLIPProcessor.from_pretrained(model)
        except OSError as exc:
            raise BackendError(
                f"no CLIP weights at '{model}': pass a local folder with a CLIP model and "
                f"processor, or a hub id such as openai/clip-vit-base-patch32 with network access"
            ) from exc
        self.device = device
        self._torch = torch

    def score(self, images: list[Image.Image], texts: list[str]) -> list[float]:
        inputs = self.processor(
            text=texts, images=images, return_tensors="pt", padding=True, truncation=True
        )
        inputs = {key: value.to(self.device) for key, value in inputs.items()}
        with self._torch.no_grad():
            image_embeds = self.model.get_image_features(pixel_values=inputs["pixel_values"])
            text_embeds = self.model.get_text_features(
                input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]
            )
        image_embeds = getattr(image_embeds, "pooler_output", image_embeds)
        text_embeds = getattr(text_embeds, "pooler_output", text_embeds)
        cosine = self._torch.nn.functional.cosine_similarity(image_embeds, text_embeds, dim=-1)
        return [round(WEIGHT * max(float(value), 0.0), 4) for value in cosine]


def score_workspace(workspace: Workspace, model: str, batch: int = 16) -> dict[str, float]:
    """CLIPScore for every generated image; also written to <workdir>/clipscore.csv."""
    scorer = ClipScorer(model)
    prompts = {prompt.key: prompt for prompt in read_prompts(workspace.prompts)}
    records = Manifest(workspace.manifest).records()
    scores: dict[str, float] = {}
    for start in range(0, len(records), batch):
        chunk = records[start : start + batch]
        images = [_load(workspace.root / record.path) for record in chunk]
        texts = [prompts[f"{record.prompt_id}-s{record.seed}"].text for record in chunk]
        for record, value in zip(chunk, scorer.score(images, texts), strict=True):
            scores[record.item_id] = value
    with (workspace.root / "clipscore.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item_id", "clipscore"])
        writer.writerows(sorted(scores.items()))
    return scores


def _load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def correlate(scores: dict[str, float], ratings: list[LikertRating]) -> dict[str, float | None]:
    """Spearman correlation of CLIPScore with the mean human score per image, per criterion."""
    by_item: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for rating in ratings:
        by_item[rating.criterion][rating.item_id].append(rating.score)
    result: dict[str, float | None] = {}
    for criterion, items in sorted(by_item.items()):
        shared = sorted(set(items) & set(scores))
        if len(shared) < 3:
            result[criterion] = None
            continue
        human = [sum(items[i]) / len(items[i]) for i in shared]
        rho = spearman(human, [scores[i] for i in shared])
        result[criterion] = None if math.isnan(rho) else round(rho, 3)
    return result


def read_clipscores(path: Path) -> dict[str, float]:
    """Scores from a clipscore.csv (item_id,clipscore), as `clipscore` writes it."""
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    scores = {}
    for line, row in enumerate(rows, start=2):
        try:
            scores[row["item_id"]] = float(row["clipscore"])
        except (KeyError, TypeError, ValueError):
            raise DataError(
                f"{path}: row {line}: expected item_id,clipscore with a number"
            ) from None
    return scores


def by_system(
    scores: dict[str, float],
    ratings: list[LikertRating],
    items: dict[str, Item],
    criterion: str = "prompt_alignment",
) -> list[dict[str, Any]]:
    """Per system: mean CLIPScore and its Spearman correlation with the human mean per image.

    A correlation within a system asks whether CLIPScore ranks that system's own images
    the way people do, which a pooled correlation hides when systems differ in level.
    """
    human: dict[str, list[int]] = defaultdict(list)
    for rating in ratings:
        if rating.criterion == criterion and rating.item_id in scores:
            human[rating.item_id].append(rating.score)
    systems: dict[str, list[str]] = defaultdict(list)
    for item_id in sorted(human):
        if item_id in items:
            systems[items[item_id].system].append(item_id)
    rows = []
    for system, ids in sorted(systems.items()):
        clip = [scores[i] for i in ids]
        means = [sum(human[i]) / len(human[i]) for i in ids]
        rho = None
        if len(ids) >= 3 and len(set(clip)) > 1 and len(set(means)) > 1:
            value = spearman(clip, means)
            rho = None if math.isnan(value) else round(value, 3)
        rows.append(
            {
                "system": system,
                "images": len(ids),
                "mean_clipscore": round(sum(clip) / len(clip), 4),
                "spearman_rho": rho,
            }
        )
    return rows
