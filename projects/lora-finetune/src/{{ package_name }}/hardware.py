"""What this machine can do: precision and device for the hardware, and the checks QLoRA needs."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal

import torch

from .config import Config, DeviceChoice
from .errors import HardwareError

TRACKER_PACKAGES = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow"}


@dataclass(frozen=True)
class Hardware:
    """The facts about the machine that the run depends on."""

    cuda: bool
    bf16: bool
    mps: bool = False

    @classmethod
    def detect(cls) -> Hardware:
        cuda = torch.cuda.is_available()
        return cls(
            cuda=cuda,
            bf16=cuda and torch.cuda.is_bf16_supported(),
            mps=torch.backends.mps.is_available(),
        )


@dataclass(frozen=True)
class Placement:
    """Where a model computes and in which precision, for evaluation, generation and merging."""

    device: Literal["cuda", "mps", "cpu"]
    precision: Literal["fp32", "bf16", "fp16"]


def resolve_precision(
    requested: Literal["auto", "fp32", "bf16", "fp16"], hardware: Hardware
) -> Literal["fp32", "bf16", "fp16"]:
    """Pick the training precision: bf16 where the GPU has it, fp16 on older GPUs, else fp32.

    An explicit request the hardware cannot honour is an error rather than a silent
    downgrade, since it changes both speed and results.
    """
    if requested == "auto":
        if hardware.bf16:
            return "bf16"
        return "fp16" if hardware.cuda else "fp32"
    if requested == "fp16" and not hardware.cuda:
        raise HardwareError("training.precision fp16 needs a CUDA GPU; use auto or fp32 on CPU")
    if requested == "bf16" and not hardware.bf16:
        raise HardwareError(
            "training.precision bf16 needs a GPU with bf16 support (Ampere or newer); use auto"
        )
    return requested


def check_hardware(config: Config, hardware: Hardware) -> Literal["fp32", "bf16", "fp16"]:
    """Fail early, before any model loads, when the config asks for what is not here."""
    if config.qlora.enabled:
        if not hardware.cuda:
            raise HardwareError(
                "qlora needs an NVIDIA GPU with CUDA (bitsandbytes 4-bit kernels); this machine "
                "has none. Set qlora.enabled: false to train a plain LoRA adapter on CPU."
            )
        if importlib.util.find_spec("bitsandbytes") is None:
            raise HardwareError('qlora needs bitsandbytes: pip install -e ".[qlora]"')
    if config.tracking != "none":
        package = TRACKER_PACKAGES[config.tracking]
        if importlib.util.find_spec(package) is None:
            raise HardwareError(
                f'tracking: {config.tracking} needs its package: pip install -e ".[{package}]"'
            )
    return resolve_precision(config.training.precision, hardware)


def resolve_placement(
    config: Config, hardware: Hardware, requested: DeviceChoice = "auto"
) -> Placement:
    """The device and precision the trained model runs on after training.

    By default that is where training ran (the Trainer picks CUDA, then MPS, then CPU) in
    the training precision, so the figures describe the model as trained; `--device`
    overrides it. Off CUDA the model computes in fp32: training there was fp32 too.
    """
    device = requested
    if device == "auto":
        device = "cuda" if hardware.cuda else "mps" if hardware.mps else "cpu"
    if device == "cuda" and not hardware.cuda:
        raise HardwareError("--device cuda: this machine has no CUDA GPU; use --device cpu")
    if device == "mps" and not hardware.mps:
        raise HardwareError("--device mps: this machine has no Apple GPU; use --device cpu")
    if device != "cuda":
        return Placement(device=device, precision="fp32")
    return Placement(
        device="cuda", precision=resolve_precision(config.training.precision, hardware)
    )
