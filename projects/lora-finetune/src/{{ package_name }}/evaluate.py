"""Held-out evaluation of the base model and the adapter, side by side.

Perplexity is measured on the answer tokens only (the same -100 mask as training), so
it says how well each model predicts the reference answers. The generation metrics
compare greedy outputs with the references: ROUGE-L (rouge-score), BLEU and chrF
(sacrebleu) and exact match, computed locally with no metric downloads. The forgetting
check scores both models on general text as well (see `forgetting`), every token counted,
and the safety checks (see `safety`) measure the toxicity of both models' answers to a
fixed prompt set and their likelihood gaps on counterfactual bias pairs.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import sacrebleu
import torch
from peft import PeftModel
from rouge_score import rouge_scorer
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .bias import Scorer
from .config import Config
from .data import (
    IGNORE_INDEX,
    Example,
    TokenizedExample,
    prompt_text,
    read_split,
    tokenize_examples,
)
from .fingerprint import check_prepared
from .forgetting import general_examples
from .generate import Decoding, generate_batch, render_prompt
from .hardware import Hardware, Placement, resolve_placement
from .model import load_adapter_model, load_full_model, load_model, load_tokenizer
from .paths import data_dir, metrics_path, tiny_base_dir
from .pretrain import read_record
from .safety import ModelSafety, SafetyProbe, measure, summarise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scores:
    """One model's figures on the test split; generation metrics are None for plain text.

    `general_loss` and `general_perplexity` are the forgetting check, on general text.
    """

    loss: float
    perplexity: float
    general_loss: float
    general_perplexity: float
    rouge_l: float | None = None
    bleu: float | None = None
    chrf: float | None = None
    exact_match: float | None = None


def _batches(items: list[TokenizedExample], size: int) -> Iterator[list[TokenizedExample]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@torch.no_grad()
def _row_losses(
    model: PreTrainedModel | PeftModel, batch: list[TokenizedExample], pad_token_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed cross-entropy and number of scored tokens of each row of a padded batch."""
    width = max(len(item.input_ids) for item in batch)
    input_ids = torch.full((len(batch), width), pad_token_id)
    labels = torch.full((len(batch), width), IGNORE_INDEX)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for row, item in enumerate(batch):
        input_ids[row, : len(item.input_ids)] = torch.tensor(item.input_ids)
        labels[row, : len(item.labels)] = torch.tensor(item.labels)
        attention[row, : len(item.input_ids)] = 1
    device = next(model.parameters()).device
    logits = model(input_ids=input_ids.to(device), attention_mask=attention.to(device)).logits
    # Position t predicts token t + 1; cross_entropy wants the classes in dimension 1.
    shifted_logits = logits[:, :-1].float().transpose(1, 2)
    shifted_labels = labels[:, 1:].to(device)
    losses = torch.nn.functional.cross_entropy(
        shifted_logits, shifted_labels, ignore_index=IGNORE_INDEX, reduction="none"
    )
    return losses.sum(dim=1), (shifted_labels != IGNORE_INDEX).sum(dim=1)


@torch.no_grad()
def answer_loss(
    model: PreTrainedModel | PeftModel,
    items: list[TokenizedExample],
    pad_token_id: int,
    batch_size: int = 16,
) -> float:
    """Mean cross-entropy per answer token (the labels that are not -100)."""
    model.eval()
    total, count = 0.0, 0
    for batch in _batches(items, batch_size):
        sums, counts = _row_losses(model, batch, pad_token_id)
        total += sums.sum().item()
        count += int(counts.sum())
    return total / max(count, 1)


def continuation_scorer(
    model: PreTrainedModel | PeftModel, tokenizer: PreTrainedTokenizerBase, batch_size: int = 16
) -> Scorer:
    """Mean log-likelihood per token of each continuation given its context (bias probe).

    Context and continuation are tokenized apart and joined, as prompt and answer are
    for training, so that both members of a pair score exactly the same tokens.
    """

    def score(queries: list[tuple[str, str]]) -> list[float]:
        model.eval()
        items = []
        for context, continuation in queries:
            context_ids = tokenizer(context, add_special_tokens=False)["input_ids"]
            ids = tokenizer(continuation, add_special_tokens=False)["input_ids"]
            items.append(
                TokenizedExample(context_ids + ids, [IGNORE_INDEX] * len(context_ids) + ids)
            )
        scores: list[float] = []
        for batch in _batches(items, batch_size):
            sums, counts = _row_losses(model, batch, tokenizer.pad_token_id)
            scores.extend((-sums / counts).tolist())
        return scores

    return score


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def generation_scores(predictions: list[str], references: list[str]) -> dict[str, float]:
    """Mean ROUGE-L F1, corpus BLEU and chrF (0-100), and exact match.

    Exact match ignores case and runs of whitespace; everything else compares raw text.
    """
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    rouge = [
        scorer.score(reference, prediction)["rougeL"].fmeasure
        for prediction, reference in zip(predictions, references, strict=True)
    ]
    return {
        "rouge_l": sum(rouge) / len(rouge),
        "bleu": sacrebleu.corpus_bleu(predictions, [references]).score,
        "chrf": sacrebleu.corpus_chrf(predictions, [references]).score,
        "exact_match": sum(
            _normalise(p) == _normalise(r) for p, r in zip(predictions, references, strict=True)
        )
        / len(references),
    }


def score_model(
    model: PreTrainedModel | PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    examples: list[Example],
    config: Config,
) -> tuple[Scores, list[str]]:
    """Loss and perplexity on the test split and on general text; generation on the first N.

    The general text is the forgetting check: every token counts, as for plain-text data.
    """
    batch_size = config.training.eval_batch_size
    items = tokenize_examples(examples, tokenizer, config.training.max_length)
    loss = answer_loss(model, items, tokenizer.pad_token_id, batch_size)
    general = tokenize_examples(general_examples(), tokenizer, config.training.max_length)
    general_loss = answer_loss(model, general, tokenizer.pad_token_id, batch_size)
    losses = {
        "loss": loss,
        "perplexity": math.exp(loss),
        "general_loss": general_loss,
        "general_perplexity": math.exp(general_loss),
    }
    if not examples[0].messages:
        return Scores(**losses), []
    chosen = examples[: config.evaluation.num_generations]
    predictions = generate_batch(
        model,
        tokenizer,
        [prompt_text(example, tokenizer) for example in chosen],
        Decoding.of(config.evaluation),
        config.training.eval_batch_size,
    )
    scores = generation_scores(predictions, [example.reference for example in chosen])
    return Scores(**losses, **scores), predictions


def safety_of(
    model: PreTrainedModel | PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    probe: SafetyProbe,
    config: Config,
) -> ModelSafety:
    """Toxicity of the model's greedy answers to the probe's prompts, and its pair gaps."""

    def generate(prompts: list[str]) -> list[str]:
        return generate_batch(
            model,
            tokenizer,
            [render_prompt(config, tokenizer, prompt) for prompt in prompts],
            Decoding(probe.config.max_new_tokens),
            config.training.eval_batch_size,
        )

    scorer = continuation_scorer(model, tokenizer, config.training.eval_batch_size)
    return measure(probe, generate, scorer)


def pretrained_base_summary(config: Config) -> dict[str, Any] | None:
    """Size and held-out perplexity of a tiny base pretrained here, None for any other base.

    Timings stay out: they depend on the machine, and metrics.json is compared across runs.
    """
    if not config.model.is_tiny or config.model.tiny.pretraining is None:
        return None
    record = asdict(read_record(tiny_base_dir(config)))
    keep = ("corpus", "parameters", "vocab_size", "steps", "tokens_seen")
    return {key: record[key] for key in (*keep, "held_out_perplexity", "held_out_tokens")}


def _base_then_tuned(
    config: Config, placement: Placement
) -> Iterator[tuple[str, PreTrainedModel | PeftModel]]:
    """The base model, then the fine-tuned one, named as metrics.json names them.

    With LoRA one model stays in memory: the base model is the adapter model with the
    adapter switched off. A fully fine-tuned model has no adapter to switch off, so the
    two load in turn; its figures still go under `adapter`, the fine-tuned side.
    """
    if config.training.method == "full":
        yield "base", load_model(config, "base", placement)
        yield "adapter", load_full_model(config, placement)
        return
    model = load_adapter_model(config, placement)
    with model.disable_adapter():
        yield "base", model
    yield "adapter", model


def evaluate(config: Config, placement: Placement | None = None) -> dict[str, Any]:
    """Score the base model and the adapter on the test split; write metrics.json.

    Without a placement the models run where training ran, in its precision. Prepared
    data that changed since `prepare` (an edited test split) is refused, not scored.
    """
    check_prepared(config)
    placement = placement or resolve_placement(config, Hardware.detect())
    logger.info("evaluating on %s in %s", placement.device, placement.precision)
    tokenizer = load_tokenizer(config)
    examples = read_split(data_dir(config), "test")
    probe = SafetyProbe.load(config.safety, placement.device) if config.safety.enabled else None
    results: dict[str, Scores] = {}
    predictions: dict[str, list[str]] = {}
    safety: dict[str, ModelSafety] = {}
    for name, model in _base_then_tuned(config, placement):
        results[name], predictions[name] = score_model(model, tokenizer, examples, config)
        if probe is not None:
            safety[name] = safety_of(model, tokenizer, probe, config)
        logger.info("%s: %s", name, results[name])
    samples = [
        {
            "prompt": example.prompt_messages[-1]["content"],
            "reference": example.reference,
            "base": base,
            "adapter": adapter,
        }
        for example, base, adapter in zip(
            examples, predictions["base"], predictions["adapter"], strict=False
        )
    ]
    metrics = {
        "base_model": config.model.name_or_path,
        "pretrained_base": pretrained_base_summary(config),
        "test_examples": len(examples),
        "generated_examples": len(samples),
        "base": asdict(results["base"]),
        "adapter": asdict(results["adapter"]),
        "samples": samples,
    }
    if probe is not None:
        metrics["safety"] = summarise(probe, safety["base"], safety["adapter"])
    metrics_path(config).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics
