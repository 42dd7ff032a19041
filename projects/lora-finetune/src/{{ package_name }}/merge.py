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
from .model import load_adapter_model, load_merged_model, load_tokenizer
from .paths import data_dir, merged_dir


@dataclass(frozen=True)
class MergeResult:
    """Where the merged model went and how far its logits are from base + adapter."""

    directory: Path
    max_abs_logit_diff: float


logger = logging.getLogger(__name__)


@torch.no_grad()
def _logits(model: PreTrainedModel | PeftModel, input_ids: list[list[int]]) -> torch.Tensor:
    return torch.cat([model(input_ids=torch.tensor([ids])).logits[0] for ids in input_ids])


def merge(config: Config, probe_examples: int = 4) -> MergeResult:
    """Write a standalone model (safetensors + tokenizer) to `merged/` and verify it.

    A QLoRA adapter is merged into the full-precision base model: folding it into 4-bit
    weights would round it away. The check compares logits on a few test examples.
    """
    full_precision = config.model_copy(update={"qlora": QLoraConfig(enabled=False)})
    model = load_adapter_model(full_precision)
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

    actual = _logits(load_merged_model(config), probe)
    difference = (actual - expected).abs().max().item()
    tolerance = config.evaluation.merge_tolerance
    if difference > tolerance:
        raise MergeError(
            f"merged model's logits differ from base + adapter by {difference:.2e} "
            f"(tolerance {tolerance:.0e})"
        )
    logger.info("merged model in %s (max logit difference %.2e)", directory, difference)
    return MergeResult(directory=directory, max_abs_logit_diff=difference)
