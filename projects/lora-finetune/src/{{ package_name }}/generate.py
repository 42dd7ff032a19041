"""Text generation with any of the three models: base, base + adapter, or merged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from peft import PeftModel
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .config import Config, EvaluationConfig
from .data import Example, prompt_text
from .hardware import Hardware, Placement, resolve_placement
from .model import Source, load_model, load_tokenizer

__all__ = ["Decoding", "Source", "generate", "generate_batch", "render_prompt"]


@dataclass(frozen=True)
class Decoding:
    """How long a greedy answer may be and how repetition is held back (see EvaluationConfig)."""

    max_new_tokens: int
    min_new_tokens: int = 0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0

    @classmethod
    def of(cls, evaluation: EvaluationConfig) -> Decoding:
        return cls(
            max_new_tokens=evaluation.max_new_tokens,
            min_new_tokens=evaluation.min_new_tokens,
            no_repeat_ngram_size=evaluation.no_repeat_ngram_size,
            repetition_penalty=evaluation.repetition_penalty,
        )

    def generate_kwargs(self) -> dict[str, Any]:
        """The settings as `generate` takes them; those left at their defaults stay out."""
        kwargs: dict[str, Any] = {"max_new_tokens": self.max_new_tokens}
        if self.min_new_tokens:
            kwargs["min_new_tokens"] = self.min_new_tokens
        if self.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = self.no_repeat_ngram_size
        if self.repetition_penalty != 1.0:
            kwargs["repetition_penalty"] = self.repetition_penalty
        return kwargs


@torch.no_grad()
def generate_batch(
    model: PreTrainedModel | PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    decoding: Decoding,
    batch_size: int = 8,
) -> list[str]:
    """Greedy continuations of rendered prompts.

    Batches are left-padded so that every continuation starts at the same position.
    """
    model.eval()
    tokenizer.padding_side = "left"
    device = next(model.parameters()).device
    answers: list[str] = []
    for start in range(0, len(prompts), batch_size):
        batch = prompts[start : start + batch_size]
        inputs = tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False)
        output = model.generate(  # type: ignore[operator]  # PeftModel forwards it at runtime
            **inputs.to(device),
            **decoding.generate_kwargs(),
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        answers.extend(
            text.strip() for text in tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        )
    return answers


def generate(
    config: Config, prompt: str, source: Source = "adapter", placement: Placement | None = None
) -> str:
    """One answer to `prompt`: a chat reply, or for plain-text data a continuation.

    Without a placement the model runs where training ran, in its precision.
    """
    placement = placement or resolve_placement(config, Hardware.detect())
    tokenizer = load_tokenizer(config)
    rendered = render_prompt(config, tokenizer, prompt)
    model = load_model(config, source, placement)
    return generate_batch(model, tokenizer, [rendered], Decoding.of(config.evaluation))[0]


def render_prompt(config: Config, tokenizer: PreTrainedTokenizerBase, prompt: str) -> str:
    """The model's input for a user's prompt: a chat turn, or the text itself to continue."""
    if config.data.format == "text":
        return prompt
    messages = [{"role": "user", "content": prompt}]
    if config.data.system_prompt:
        messages.insert(0, {"role": "system", "content": config.data.system_prompt})
    return prompt_text(
        Example(messages=(*messages, {"role": "assistant", "content": ""})), tokenizer
    )
