"""The demo's base model: a small Llama pretrained on general English, built once and cached.

A LoRA demo means something only against a base that already models language. This
module trains a byte-level BPE tokenizer and a few-million-parameter Llama on the shipped
corpus (`corpus`: five of Jane Austen's novels; none of the task data), a fixed number of
steps from a fixed seed, and saves both with `save_pretrained`, so that every later step
loads the base exactly as it would load a model from the Hugging Face Hub.

Built bases are cached in `model.tiny.cache_dir`, one folder per cache key (a hash of the
model and pretraining settings and of the corpus): an unchanged config reuses its base,
a changed one builds another beside it. A folder appears only once complete, so an
interrupted build leaves nothing that a later run could mistake for a base.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

from .config import PretrainingConfig, TinyModelConfig
from .corpus import DESCRIPTION, Corpus, load_corpus
from .data import Example
from .errors import ConfigError, DataError
from .fingerprint import base_cache_key
from .tiny import build_model, train_tokenizer

logger = logging.getLogger(__name__)

RECORD = "pretraining.json"


@dataclass(frozen=True)
class PretrainRecord:
    """What a build did and how good the result is, saved beside the weights."""

    corpus: str
    parameters: int
    vocab_size: int
    steps: int
    tokens_seen: int
    train_loss: float
    held_out_loss: float
    held_out_perplexity: float
    held_out_tokens: int
    wall_seconds: float
    torch_threads: int
    load_average: tuple[float, float, float]


def _pretraining(config: TinyModelConfig) -> PretrainingConfig:
    if config.pretraining is None:
        raise ConfigError("model.tiny.pretraining is not set: nothing to pretrain")
    return config.pretraining


def token_stream(tokenizer: PreTrainedTokenizerFast, paragraphs: tuple[str, ...]) -> torch.Tensor:
    """All paragraphs as one sequence of ids, each closed by the end-of-text token.

    The end token is the one that closes an answer in the chat template, so the base
    model already knows how to stop when fine-tuning starts.
    """
    eos = tokenizer.eos_token_id
    encoded = tokenizer(list(paragraphs), add_special_tokens=False)["input_ids"]
    return torch.tensor([token for ids in encoded for token in [*ids, eos]])


def _learning_rate(step: int, settings: PretrainingConfig) -> float:
    """Linear warmup, then cosine decay to a tenth of the peak."""
    if step < settings.warmup_steps:
        return settings.learning_rate * (step + 1) / settings.warmup_steps
    progress = (step - settings.warmup_steps) / max(settings.steps - settings.warmup_steps, 1)
    return settings.learning_rate * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def held_out_loss(model: LlamaForCausalLM, stream: torch.Tensor, length: int) -> float:
    """Mean cross-entropy per token over consecutive windows of the held-out stream."""
    model.eval()
    windows = stream[: len(stream) // length * length].view(-1, length)
    total = 0.0
    for start in range(0, len(windows), 16):
        batch = windows[start : start + 16]
        # The model averages over length - 1 predictions per row.
        total += model(input_ids=batch, labels=batch).loss.item() * len(batch)
    return total / max(len(windows), 1)


def pretrain(
    model: LlamaForCausalLM, stream: torch.Tensor, settings: PretrainingConfig, seed: int
) -> float:
    """Next-token training on random windows of the corpus; the last logged loss."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=settings.learning_rate, betas=(0.9, 0.95), weight_decay=0.01
    )
    model.train()
    length, loss = settings.sequence_length, float("nan")
    for step in range(settings.steps):
        starts = torch.randint(0, len(stream) - length, (settings.batch_size,), generator=generator)
        batch = torch.stack([stream[start : start + length] for start in starts.tolist()])
        for group in optimizer.param_groups:
            group["lr"] = _learning_rate(step, settings)
        output = model(input_ids=batch, labels=batch)
        output.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss = output.loss.item()
        if step % 50 == 0 or step == settings.steps - 1:
            logger.info("pretraining step %d/%d: loss %.3f", step + 1, settings.steps, loss)
    return loss


def build_pretrained_base(
    config: TinyModelConfig, corpus: Corpus, directory: Path
) -> PretrainRecord:
    """Tokenizer, model, pretraining and held-out score; everything saved to `directory`."""
    settings = _pretraining(config)
    started, load = time.perf_counter(), os.getloadavg()
    tokenizer = train_tokenizer([Example(text=text) for text in corpus.train], config.vocab_size)
    model = build_model(config, tokenizer)
    stream = token_stream(tokenizer, corpus.train)
    if len(stream) <= settings.sequence_length:
        raise DataError("the corpus is shorter than one pretraining sequence")
    train_loss = pretrain(model, stream, settings, config.seed)
    held_out = token_stream(tokenizer, corpus.held_out)[: settings.eval_tokens]
    loss = held_out_loss(model, held_out, settings.sequence_length)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    record = PretrainRecord(
        corpus=DESCRIPTION,
        parameters=model.num_parameters(),
        vocab_size=len(tokenizer),
        steps=settings.steps,
        tokens_seen=settings.steps * settings.batch_size * settings.sequence_length,
        train_loss=train_loss,
        held_out_loss=loss,
        held_out_perplexity=math.exp(loss),
        held_out_tokens=len(held_out),
        wall_seconds=time.perf_counter() - started,
        torch_threads=torch.get_num_threads(),
        load_average=load,
    )
    (directory / RECORD).write_text(json.dumps(asdict(record), indent=2) + "\n", encoding="utf-8")
    return record


def read_record(directory: Path) -> PretrainRecord:
    """The record a build left beside a pretrained base."""
    raw = json.loads((directory / RECORD).read_text(encoding="utf-8"))
    raw["load_average"] = tuple(raw["load_average"])
    return PretrainRecord(**raw)


def pretrained_base(config: TinyModelConfig, corpus: Corpus | None = None) -> Path:
    """The cached base for these settings, built first when there is none.

    Built in a temporary folder and renamed into place: the rename is atomic, so a
    folder under its cache key is always complete.
    """
    corpus = corpus or load_corpus()
    directory = config.cache_dir / base_cache_key(config, corpus)
    if (directory / RECORD).is_file():
        logger.info("reusing the pretrained base model in %s", directory)
        return directory
    logger.info(
        "pretraining the base model (%d steps); it will be cached in %s",
        _pretraining(config).steps,
        directory,
    )
    partial = directory.with_name(f"{directory.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        record = build_pretrained_base(config, corpus, partial)
        try:
            partial.rename(directory)
        except OSError:
            if not (directory / RECORD).is_file():
                raise
            # Another process built the same base meanwhile: keep its copy.
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    logger.info(
        "pretrained base model: %s parameters, vocabulary %d, held-out perplexity %.1f, %.0f s",
        f"{record.parameters:,}",
        record.vocab_size,
        record.held_out_perplexity,
        record.wall_seconds,
    )
    return directory
