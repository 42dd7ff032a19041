"""The steps in order: prepare, train, evaluate, merge, report; `run` does them all."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .data import load_splits, read_split, save_splits
from .errors import ConfigError
from .evaluate import evaluate
from .fingerprint import (
    FILE_NAME,
    changed,
    data_inputs,
    prepared_split_hashes,
    read_fingerprint,
    tiny_base_inputs,
    write_fingerprint,
)
from .hardware import Hardware, check_hardware
from .hub import check_base_model
from .merge import MergeResult, merge
from .model_card import write_model_card
from .near_copies import check_splits
from .paths import data_dir, metrics_path, tiny_base_dir, training_log_path
from .pretrain import pretrained_base
from .report import write_report
from .tiny import build_tiny_base
from .train import TrainResult, train

logger = logging.getLogger(__name__)


def prepare(config: Config) -> dict[str, int]:
    """Validate and split the data; build the tiny base model when the config asks for it.

    The held-out splits are measured against the training split for near-copies
    (`near_copies`), with a warning when any is found.

    A pretrained tiny base comes from its cache (`pretrain`), built there first if
    needed. A random one gets a tokenizer learnt from the training split only, so nothing
    about the held-out examples leaks into it. Both record what they were made from; the
    tiny base is replaced only when its inputs changed, so that an unchanged rerun keeps
    the model its checkpoints were trained on.
    """
    inputs = data_inputs(config)
    splits = load_splits(config.data)
    # Dropped first: a prepare cut short leaves no fingerprint that vouches for half-written splits.
    (data_dir(config) / FILE_NAME).unlink(missing_ok=True)
    save_splits(splits, data_dir(config))
    check_splits(splits, data_dir(config))
    write_fingerprint(data_dir(config), inputs, prepared_split_hashes(data_dir(config)))
    if config.model.is_tiny:
        base = tiny_base_dir(config)
        base_inputs = tiny_base_inputs(config, data_dir(config) / "train.jsonl")
        recorded = read_fingerprint(base)
        if recorded is None or changed(recorded, base_inputs):
            if recorded is not None:
                logger.info(
                    "rebuilding the tiny base model: %s changed",
                    ", ".join(changed(recorded, base_inputs)),
                )
            (base / FILE_NAME).unlink(missing_ok=True)
            if config.model.tiny.pretraining is None:
                build_tiny_base(config.model.tiny, splits["train"], base)
            else:
                shutil.rmtree(base, ignore_errors=True)
                shutil.copytree(pretrained_base(config.model.tiny), base)
            write_fingerprint(base, base_inputs)
    sizes = {name: len(examples) for name, examples in splits.items()}
    logger.info("prepared %s", sizes)
    return sizes


def report(config: Config) -> tuple[Path, Path]:
    """Write reports/results.md (with the loss curve) and the adapter's model card."""
    sizes = {
        name: len(read_split(data_dir(config), name)) for name in ("train", "validation", "test")
    }
    results = write_report(config, metrics_path(config), training_log_path(config))
    card = write_model_card(config, metrics_path(config), sizes)
    return results, card


@dataclass(frozen=True)
class RunResult:
    """Where everything went, for the CLI's summary."""

    train: TrainResult
    merge: MergeResult
    results: Path
    model_card: Path


def run(config: Config, *, resume: bool = True, hardware: Hardware | None = None) -> RunResult:
    """The whole pipeline. Hardware and packages are checked before any data or model loads.

    Full fine-tuning is refused here, before anything heavy: its merge, card and push
    steps need an adapter. Run prepare, train and evaluate for it.
    """
    if config.training.method == "full":
        raise ConfigError(
            "training.method is full: run needs an adapter to merge and publish; "
            "use prepare, train and evaluate (benchmarks/rank_sweep.py does)"
        )
    hardware = hardware or Hardware.detect()
    check_hardware(config, hardware)
    check_base_model(config)
    prepare(config)
    trained = train(config, resume=resume, hardware=hardware)
    evaluate(config)
    merged = merge(config)
    results, card = report(config)
    return RunResult(train=trained, merge=merged, results=results, model_card=card)
