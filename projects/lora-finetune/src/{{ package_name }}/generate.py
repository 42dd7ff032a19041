"""Text generation with any of the three models: base, base + adapter, or merged."""

from __future__ import annotations

import torch
from peft import PeftModel
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .config import Config
from .data import Example, prompt_text
from .hardware import Hardware, Placement, resolve_placement
from .model import Source, load_model, load_tokenizer

__all__ = ["Source", "generate", "generate_batch", "render_prompt"]


@torch.no_grad()
def generate_batch(
    model: PreTrainedModel | PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    max_new_tokens: int,
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
            max_new_tokens=max_new_tokens,
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
    return generate_batch(model, tokenizer, [rendered], config.evaluation.max_new_tokens)[0]


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
