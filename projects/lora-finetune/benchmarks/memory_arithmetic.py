"""GPU memory for fine-tuning a 7B model, full, LoRA and QLoRA, worked out from its shape.

    python benchmarks/memory_arithmetic.py            # the figures, on stdout
    python benchmarks/memory_arithmetic.py --write    # ... into memory.json

The interview guide quotes these through figure markers, so its answer to "how much
memory does a 7B model need?" is computed, not typed. It is arithmetic on Llama-2-7B's
published shape, not a measurement: bytes per parameter for the weights, gradients and
AdamW moments, the LoRA adapter's parameter count, the NF4 storage QLoRA uses, and the
activations of one sequence (Korthikanti et al., "Reducing Activation Recomputation in
Large Transformer Models", 2022, without FlashAttention or checkpointing).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("memory.json")
GB = 1e9


@dataclass(frozen=True)
class Shape:
    """What fixes a Llama-style model's parameter count and activation size."""

    name: str
    vocab: int
    hidden: int
    intermediate: int
    layers: int
    heads: int


# Llama-2-7B (config.json on the Hub): the shape fixes every count below.
SHAPE = Shape("Llama-2-7B", vocab=32_000, hidden=4_096, intermediate=11_008, layers=32, heads=32)
RANK = 16
SEQUENCE, BATCH = 2_048, 1
# Mixed precision: bf16 weights and an fp32 master copy (2 + 4), bf16 gradients (2),
# AdamW's two fp32 moments (8).
FULL_BYTES_PER_PARAMETER = 16
BF16_BYTES = 2
# NF4: 4 bits a weight, an 8-bit constant per block of 64 and, with double quantisation,
# an fp32 constant per 256 of those blocks.
NF4_BITS = 4 + 8 / 64 + 32 / (64 * 256)


def linear_parameters(shape: Shape) -> int:
    """The weights of the linear layers: q, k, v, o and the gated MLP's three."""
    return shape.layers * (4 * shape.hidden**2 + 3 * shape.hidden * shape.intermediate)


def parameters(shape: Shape) -> int:
    """Every parameter: linear layers, the input and output embeddings, the RMSNorms."""
    embeddings = 2 * shape.vocab * shape.hidden
    norms = (2 * shape.layers + 1) * shape.hidden
    return linear_parameters(shape) + embeddings + norms


def adapter_parameters(shape: Shape, rank: int) -> int:
    """LoRA on every linear layer: A (r x d_in) and B (d_out x r) per layer."""
    per_layer = 4 * (shape.hidden + shape.hidden) + 3 * (shape.hidden + shape.intermediate)
    return rank * per_layer * shape.layers


def activation_bytes(shape: Shape, sequence: int, batch: int) -> float:
    """Korthikanti et al.'s s*b*h*(34 + 5*a*s/h) bytes a layer in 16 bits, all layers."""
    ratio = 5 * shape.heads * sequence / shape.hidden
    return sequence * batch * shape.hidden * (34 + ratio) * shape.layers


def estimate(shape: Shape = SHAPE, rank: int = RANK) -> dict[str, Any]:
    """Every figure the guide quotes, in GB (10^9 bytes) where it is a size."""
    total = parameters(shape)
    linear = linear_parameters(shape)
    adapter = adapter_parameters(shape, rank)
    qlora_weights = linear * NF4_BITS / 8 + (total - linear) * BF16_BYTES
    return {
        "model": asdict(shape),
        "parameters": total,
        "full_gb": total * FULL_BYTES_PER_PARAMETER / GB,
        "lora_base_gb": total * BF16_BYTES / GB,
        "qlora": {
            "bits_per_linear_weight": NF4_BITS,
            "bytes_per_parameter": qlora_weights / total,
            "base_gb": qlora_weights / GB,
        },
        "adapter": {
            "rank": rank,
            "parameters": adapter,
            "fraction": adapter / total,
            "states_gb": adapter * FULL_BYTES_PER_PARAMETER / GB,
        },
        "activations": {
            "sequence": SEQUENCE,
            "batch": BATCH,
            "gb": activation_bytes(shape, SEQUENCE, BATCH) / GB,
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {OUTPUT.name}")
    args = parser.parse_args(argv)
    text = json.dumps(estimate(), indent=2) + "\n"
    if args.write:
        OUTPUT.write_text(text, encoding="utf-8")
    print(text, end="")


if __name__ == "__main__":
    main()
