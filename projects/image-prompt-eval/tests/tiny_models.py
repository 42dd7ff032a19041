"""Tiny tokenizers built in memory, so model tests never download anything."""

from typing import Any


def tiny_clip_tokenizer() -> Any:
    """A CLIP tokenizer whose vocabulary is the 256 byte symbols (and end-of-word forms)."""
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    symbols = sorted(ByteLevel.alphabet())
    vocab = {symbol: index for index, symbol in enumerate(symbols)}
    vocab |= {symbol + "</w>": len(symbols) + index for index, symbol in enumerate(symbols)}
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)
