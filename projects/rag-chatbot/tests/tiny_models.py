"""Tiny BERT models built on the spot, so the dense path and the reranker run for real offline.

Their weights are random: they say nothing about quality, but every call goes through
sentence-transformers and transformers exactly as a downloaded model's would.
"""

from __future__ import annotations

import re
from pathlib import Path

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _tiny_bert(folder: Path, texts: list[str], *, classifier: bool) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast

    words = sorted({word for text in texts for word in re.findall(r"\w+|[^\w\s]", text.lower())})
    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join([*SPECIAL, *words]) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast.from_pretrained(str(folder), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(SPECIAL) + len(words),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
        num_labels=1,
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config) if classifier else BertModel(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_sentence_transformer(folder: Path, texts: list[str]) -> Path:
    """A 32-dimensional sentence-transformers model (BERT + mean pooling) saved in `folder`."""
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers 6 moved the modules; 3 to 5 have them here
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # pragma: no cover - older releases
        from sentence_transformers.models import Pooling, Transformer

    bert = _tiny_bert(folder / "bert", texts, classifier=False)
    encoder = Transformer(str(bert), max_seq_length=128)
    pooling = Pooling(32, pooling_mode="mean")  # hidden_size of the tiny BERT
    SentenceTransformer(modules=[encoder, pooling], device="cpu").save(str(folder / "model"))
    return folder / "model"


def build_cross_encoder(folder: Path, texts: list[str]) -> Path:
    """A one-label BERT classifier, which sentence-transformers loads as a CrossEncoder."""
    return _tiny_bert(folder, texts, classifier=True)
