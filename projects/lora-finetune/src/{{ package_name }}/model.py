"""Base models and adapters: load the base model and tokenizer, attach or load LoRA.

Inference loads (`load_model`) take a `Placement`: the device and precision to compute
in, so that evaluation, generation and the merge check run where training ran.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import torch
from peft import LoraConfig as PeftLoraConfig
from peft import PeftModel, TaskType, get_peft_model, prepare_model_for_kbit_training
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    BitsAndBytesConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .config import Config
from .errors import FinetuneError
from .hardware import Placement
from .paths import adapter_dir, merged_dir, tiny_base_dir

logger = logging.getLogger(__name__)

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
Precision = Literal["fp32", "bf16", "fp16"]
Source = Literal["base", "adapter", "merged"]
CPU_FP32 = Placement(device="cpu", precision="fp32")


@contextmanager
def _quiet_peft_deprecation() -> Iterator[None]:
    """Hide a warning meant for PEFT's authors, not for whoever runs `chat` or `train`.

    PEFT reads transformers 5's deprecated `is_gradient_checkpointing` whenever it wraps a
    model; without this every command that loads an adapter prints a FutureWarning.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning
        )
        yield


def base_model_path(config: Config) -> str:
    """Where the base model comes from: the locally built tiny model, or the configured one."""
    if config.model.is_tiny:
        return str(tiny_base_dir(config))
    return config.model.name_or_path


def _check_tiny_base(config: Config) -> None:
    if config.model.is_tiny and not tiny_base_dir(config).is_dir():
        raise FinetuneError(
            f"the tiny base model is not built yet ({tiny_base_dir(config)}): run prepare first"
        )


def load_tokenizer(config: Config) -> PreTrainedTokenizerBase:
    _check_tiny_base(config)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            base_model_path(config), revision=config.model.revision
        )
    except OSError as error:
        reason = str(error).splitlines()[0]
        raise FinetuneError(
            f"cannot load the tokenizer of {base_model_path(config)}: {reason}"
        ) from None
    if tokenizer.pad_token is None:
        # Padded positions are masked out of attention and loss, so any token will do.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_base_model(
    config: Config,
    precision: Precision = "fp32",
    *,
    for_training: bool = False,
    device: str | None = None,
) -> PreTrainedModel:
    """The frozen base model, in 4 bits when QLoRA is on.

    For training `device` stays None: the Trainer (or accelerate) places the model.
    """
    _check_tiny_base(config)
    path = base_model_path(config)
    quantization = None
    if config.qlora.enabled:
        quantization = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=config.qlora.quant_type,
            bnb_4bit_use_double_quant=config.qlora.double_quant,
            bnb_4bit_compute_dtype=DTYPES[precision],
            # 4-bit weights packed in the compute dtype rather than uint8: FSDP and ZeRO-3
            # shard only parameters of one float dtype, and this costs nothing on one GPU.
            bnb_4bit_quant_storage=DTYPES[precision],
        )
    try:
        model = AutoModelForCausalLM.from_pretrained(
            path,
            revision=config.model.revision,
            dtype=DTYPES[precision],
            quantization_config=quantization,
            # Placed as it loads: no copy on the CPU first, and 4-bit weights cannot move.
            device_map={"": device} if device else None,
        )
    except OSError as error:
        reason = str(error).splitlines()[0]
        raise FinetuneError(f"cannot load base model {path}: {reason}") from None
    if config.qlora.enabled and for_training:
        # Casts norms to fp32 and lets gradients flow through the frozen 4-bit layers.
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=config.training.gradient_checkpointing
        )
    return model


def lora_config(config: Config) -> PeftLoraConfig:
    lora = config.lora
    return PeftLoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
        # A copy: PEFT appends the tied modules' names to the list it is given.
        modules_to_save=list(lora.modules_to_save) or None,
        # A tied output layer follows the trained copy of the embeddings, as in the base.
        ensure_weight_tying=bool(lora.modules_to_save),
        use_rslora=lora.use_rslora,
        use_dora=lora.use_dora,
    )


def attach_lora(model: PreTrainedModel, config: Config) -> PeftModel:
    """Wrap the base model so that only the LoRA matrices are trainable."""
    with _quiet_peft_deprecation():
        peft_model = get_peft_model(model, lora_config(config))
    trainable, total = peft_model.get_nb_trainable_parameters()
    logger.info(
        "LoRA: %s of %s parameters trainable (%.2f%%)",
        f"{trainable:,}",
        f"{total:,}",
        100 * trainable / total,
    )
    return peft_model


def load_adapter_model(config: Config, placement: Placement = CPU_FP32) -> PeftModel:
    """The base model with the trained adapter loaded on top, for inference."""
    directory = adapter_dir(config)
    if not (directory / "adapter_config.json").is_file():
        raise FinetuneError(f"no adapter in {directory}: run train first")
    base = load_base_model(config, placement.precision, device=placement.device)
    with _quiet_peft_deprecation():
        model = PeftModel.from_pretrained(base, directory)
    model.eval()
    return model


def _load_saved_model(directory: Path, placement: Placement, missing: str) -> PreTrainedModel:
    if not (directory / "config.json").is_file():
        raise FinetuneError(f"no {missing} in {directory}")
    model = AutoModelForCausalLM.from_pretrained(
        directory, dtype=DTYPES[placement.precision], device_map={"": placement.device}
    )
    model.eval()
    return model


def load_merged_model(config: Config, placement: Placement = CPU_FP32) -> PreTrainedModel:
    return _load_saved_model(merged_dir(config), placement, "merged model: run merge first")


def load_full_model(config: Config, placement: Placement = CPU_FP32) -> PreTrainedModel:
    """The fully fine-tuned model (`training.method: full`), saved where the adapter goes."""
    return _load_saved_model(
        adapter_dir(config), placement, "fully fine-tuned model: run train first"
    )


def load_model(
    config: Config, source: Source, placement: Placement = CPU_FP32
) -> PreTrainedModel | PeftModel:
    """Base, base + adapter, or merged model, on the placement's device and precision."""
    logger.info("%s model runs on %s in %s", source, placement.device, placement.precision)
    if source == "adapter":
        return load_adapter_model(config, placement)
    if source == "merged":
        return load_merged_model(config, placement)
    model = load_base_model(config, placement.precision, device=placement.device)
    model.eval()
    return model
