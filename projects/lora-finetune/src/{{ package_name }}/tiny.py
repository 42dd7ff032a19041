"""The tiny base model: a random Llama-style network and a BPE tokenizer trained on the data.

It stands in for a real base model wherever no download is possible (the offline demo,
the tests, CI). It is saved with `save_pretrained`, so every later step loads it from
disk exactly as it would load a model from the Hugging Face Hub.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from .config import TinyModelConfig
from .data import Example

logger = logging.getLogger(__name__)

BOS, EOS, PAD = "<|im_start|>", "<|im_end|>", "<|pad|>"
SPECIAL_TOKENS = [PAD, BOS, EOS]
CHAT_TEMPLATE = files(__package__).joinpath("templates/chatml.j2").read_text(encoding="utf-8")


def _texts(examples: Iterable[Example]) -> Iterable[str]:
    for example in examples:
        if example.text is not None:
            yield example.text
        for message in example.messages:
            yield message["role"]
            yield message["content"]


def train_tokenizer(examples: Iterable[Example], vocab_size: int) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer (GPT-2 style) with ChatML special tokens.

    Byte level means any input text can be encoded, even characters the training data
    never showed; the merges just make the domain's frequent words short.
    """
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_texts(examples), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        chat_template=CHAT_TEMPLATE,
    )


def build_model(config: TinyModelConfig, tokenizer: PreTrainedTokenizerFast) -> LlamaForCausalLM:
    """A randomly initialised Llama with the tokenizer's vocabulary and special tokens."""
    torch.manual_seed(config.seed)
    model_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_heads,
        max_position_embeddings=config.max_position_embeddings,
        initializer_range=config.initializer_range,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(model_config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


def build_tiny_base(config: TinyModelConfig, examples: Iterable[Example], directory: Path) -> Path:
    """Train the tokenizer on `examples`, build the model, and save both to `directory`."""
    tokenizer = train_tokenizer(examples, config.vocab_size)
    model = build_model(config, tokenizer)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    logger.info(
        "built tiny base model (%s parameters, vocabulary %d) in %s",
        f"{model.num_parameters():,}",
        len(tokenizer),
        directory,
    )
    return directory
