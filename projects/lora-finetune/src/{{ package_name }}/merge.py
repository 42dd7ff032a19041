"""Merging: fold the adapter into the base weights and check the result computes the same."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
from peft import PeftModel
from transformers import PreTrainedModel

from .config import Config, QLoraConfig
from .data import read_split, tokenize_examples
from .errors import MergeError
from .hardware import Hardware, Placement, resolve_placement
from .model import DTYPES, load_adapter_model, load_merged_model, load_tokenizer
from .paths import data_dir, merged_dir


@dataclass(frozen=True)
class MergeResult:
    """Where the merged model went and how far its logits are from base + adapter."""

    directory: Path
    max_abs_logit_diff: float
    tolerance: float
    placement: Placement


logger = logging.getLogger(__name__)


@torch.no_grad()
def _logits(model: PreTrainedModel | PeftModel, input_ids: list[list[int]]) -> torch.Tensor:
    device = next(model.parameters()).device
    return torch.cat(
        [model(input_ids=torch.tensor([ids], device=device)).logits[0].float() for ids in input_ids]
    )


def merge_tolerance(config: Config, placement: Placement, expected: torch.Tensor) -> float:
    """How far the merged model's logits may be from base + adapter's.

    In fp32 it is the configured tolerance. In 16 bits the merged weight W + BA is rounded
    once where base + adapter rounds W and BA apart, so the logits may differ by a few
    units in the last place of their own size; an unmerged or wrongly merged adapter moves
    them far more.
    """
    tolerance = config.evaluation.merge_tolerance
    if placement.precision == "fp32":
        return tolerance
    eps = torch.finfo(DTYPES[placement.precision]).eps
    return max(tolerance, 8 * eps * expected.abs().max().item())


def merge(
    config: Config, probe_examples: int = 4, placement: Placement | None = None
) -> MergeResult:
    """Write a standalone model (safetensors + tokenizer) to `merged/` and verify it.

    A QLoRA adapter is merged into the unquantised base model: folding it into 4-bit
    weights would round it away. Both models run on the placement (by default where
    training ran, in its precision), and the check compares their logits on a few test
    examples.
    """
    if config.training.method == "full":
        raise MergeError("training.method is full: the fine-tuned model is whole, nothing to merge")
    placement = placement or resolve_placement(config, Hardware.detect())
    logger.info("merging on %s in %s", placement.device, placement.precision)
    full_precision = config.model_copy(update={"qlora": QLoraConfig(enabled=False)})
    model = load_adapter_model(full_precision, placement)
    tokenizer = load_tokenizer(config)
    examples = read_split(data_dir(config), "test")[:probe_examples]
    probe = [
        item.input_ids
        for item in tokenize_examples(examples, tokenizer, config.training.max_length)
    ]
    expected = _logits(model, probe)

    merged = model.merge_and_unload()
    directory = merged_dir(config)
    merged.save_pretrained(directory)
    tokenizer.save_pretrained(directory)

    actual = _logits(load_merged_model(config, placement), probe)
    difference = (actual - expected).abs().max().item()
    tolerance = merge_tolerance(config, placement, expected)
    if difference > tolerance:
        raise MergeError(
            f"merged model's logits differ from base + adapter by {difference:.2e} "
            f"(tolerance {tolerance:.0e} in {placement.precision} on {placement.device})"
        )
    logger.info(
        "merged model in %s (max logit difference %.2e in %s on %s)",
        directory,
        difference,
        placement.precision,
        placement.device,
    )
    return MergeResult(
        directory=directory, max_abs_logit_diff=difference, tolerance=tolerance, placement=placement
    )
