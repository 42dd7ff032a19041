"""The layout of a run's output directory: one place that says where each step writes."""

from __future__ import annotations

from pathlib import Path

from .config import Config


def data_dir(config: Config) -> Path:
    """The validated, split examples (normalised JSONL), written by prepare."""
    return config.output_dir / "data"


def tiny_base_dir(config: Config) -> Path:
    """The locally built tiny base model, when `model.name_or_path: tiny`."""
    return config.output_dir / "base-model"


def base_model_dir(config: Config) -> Path | None:
    """The base model's local directory, or None for a model that comes from the Hub."""
    if config.model.is_tiny:
        return tiny_base_dir(config)
    path = Path(config.model.name_or_path).expanduser()
    return path if path.is_dir() else None


def checkpoints_dir(config: Config) -> Path:
    return config.output_dir / "checkpoints"


def adapter_dir(config: Config) -> Path:
    """The trained adapter: adapter_config.json, adapter_model.safetensors, model card."""
    return config.output_dir / "adapter"


def merged_dir(config: Config) -> Path:
    """The standalone merged model: safetensors weights and the tokenizer."""
    return config.output_dir / "merged"


def training_log_path(config: Config) -> Path:
    """One JSON line per logged training/validation metric."""
    return config.output_dir / "metrics.jsonl"


def metrics_path(config: Config) -> Path:
    """The before/after evaluation figures."""
    return config.output_dir / "metrics.json"


def reports_dir(config: Config) -> Path:
    return config.output_dir / "reports"


def provenance_path(config: Config) -> Path:
    """Hardware, libraries and time of each training session, for the model card."""
    return config.output_dir / "provenance.json"
