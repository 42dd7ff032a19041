"""Run provenance: what produced an adapter, for its model card.

During training a callback records the hardware, the number of processes, the precision
and the time spent in `provenance.json` beside the run's other outputs. The card adds
what can be checked afterwards: a hash of the training settings, a hash of every data
file, and the versions of the libraries involved.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from .config import Config

LIBRARIES = ("torch", "transformers", "peft", "trl", "accelerate", "datasets")


def config_sha256(config: Config) -> str:
    """A hash of the settings that shape the adapter.

    Paths, the model card text, evaluation and safety-check settings are left out, so that the same
    run on another machine or with another card text has the same hash; the data is
    identified by its files' hashes instead.
    """
    settings = config.model_dump(
        mode="json",
        exclude={
            "output_dir": True,
            "card": True,
            "evaluation": True,
            "safety": True,
            "tracking": True,
            "run_name": True,
            "data": {"train_file", "validation_file", "test_file"},
        },
    )
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def data_files(config: Config) -> dict[str, Path]:
    """The configured data files by role: train, and validation and test when given."""
    files = {"train": config.data.train_file}
    if config.data.validation_file is not None and config.data.test_file is not None:
        files |= {"validation": config.data.validation_file, "test": config.data.test_file}
    return files


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def describe_hardware(args: TrainingArguments) -> dict[str, Any]:
    """The device the Trainer ran on, how many processes shared the work, and the precision."""
    device = args.device
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    elif device.type == "mps":
        name = "Apple silicon GPU (MPS)"
    else:
        name = f"{platform.machine()} CPU with {os.cpu_count()} logical cores"
    precision = "bf16" if args.bf16 else "fp16" if args.fp16 else "fp32"
    return {
        "device": device.type,
        "name": name,
        "processes": args.world_size,
        "precision": precision,
    }


class ProvenanceCallback(TrainerCallback):
    """Write `provenance.json`: hardware, libraries and the time of each training session.

    A session is one `train` call. After an interruption and a resume, sessions that
    reached past the resumed checkpoint are dropped, as their later steps are retrained;
    the time of an interrupted session counts up to its last checkpoint.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sessions: list[dict[str, Any]] = []
        self.start = time.monotonic()
        self.first_step = 0

    def _previous_sessions(self, resumed_step: int) -> list[dict[str, Any]]:
        if resumed_step == 0 or not self.path.is_file():
            return []
        sessions: list[dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))[
            "sessions"
        ]
        return [session for session in sessions if session["to_step"] <= resumed_step]

    def _write(self, args: TrainingArguments, state: TrainerState) -> None:
        if not state.is_world_process_zero:
            return
        current = {
            "from_step": self.first_step,
            "to_step": state.global_step,
            "seconds": round(time.monotonic() - self.start, 1),
            "ended": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        record = {
            "hardware": describe_hardware(args),
            "libraries": library_versions(),
            "sessions": [*self.sessions, current],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        partial.replace(self.path)  # a crash leaves the old file or the new one

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.start = time.monotonic()
        self.first_step = state.global_step
        self.sessions = self._previous_sessions(state.global_step)
        self._write(args, state)

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self._write(args, state)

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self._write(args, state)


def read_provenance(path: Path) -> dict[str, Any] | None:
    """The recorded provenance, or None for a run trained before it was recorded."""
    if not path.is_file():
        return None
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record
