"""Training: TRL's SFTTrainer on the prepared splits, with checkpoints and resuming."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset
from peft.utils.other import fsdp_auto_wrap_policy
from transformers import (
    PreTrainedTokenizerBase,
    TrainerCallback,
    TrainerControl,
    TrainerState,
    TrainingArguments,
)
from transformers.trainer_utils import get_last_checkpoint
from trl import SFTConfig, SFTTrainer

from .config import Config
from .data import read_split, tokenize_examples
from .hardware import Hardware, check_hardware
from .model import attach_lora, load_base_model, load_tokenizer
from .paths import adapter_dir, checkpoints_dir, data_dir, provenance_path, training_log_path
from .provenance import ProvenanceCallback

logger = logging.getLogger(__name__)


class JsonlMetricsCallback(TrainerCallback):
    """Append every logged metric (train loss, eval loss, learning rate) as one JSON line.

    On resume, lines logged after the checkpoint are dropped first, so that the file
    reads as one uninterrupted run. Only the main process writes (under `accelerate
    launch` every GPU runs this code).
    """

    def __init__(self, path: Path, resume_step: int | None) -> None:
        self.path = path
        self.resume_step = resume_step

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if not state.is_world_process_zero:
            return
        kept = []
        if self.resume_step is not None and self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if json.loads(line)["step"] <= self.resume_step:
                    kept.append(line + "\n")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("".join(kept), encoding="utf-8")

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, float] | None = None,
        **kwargs: Any,
    ) -> None:
        if not state.is_world_process_zero or not logs:
            return
        record = {"step": state.global_step, "epoch": state.epoch, **logs}
        with self.path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")


def sft_config(config: Config, precision: str, hardware: Hardware) -> SFTConfig:
    training = config.training
    return SFTConfig(
        output_dir=str(checkpoints_dir(config)),
        learning_rate=training.learning_rate,
        num_train_epochs=training.num_epochs or 1.0,
        max_steps=training.max_steps or -1,
        per_device_train_batch_size=training.batch_size,
        per_device_eval_batch_size=training.eval_batch_size,
        gradient_accumulation_steps=training.gradient_accumulation_steps,
        max_length=training.max_length,
        packing=training.packing,
        # Recompute activations in the backward pass: less memory for about 30% more time.
        activation_checkpointing=training.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False},
        dataloader_pin_memory=hardware.cuda,
        seed=training.seed,
        data_seed=training.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        warmup_steps=training.warmup_ratio,
        weight_decay=training.weight_decay,
        lr_scheduler_type=training.lr_scheduler,
        logging_steps=training.logging_steps,
        eval_strategy="steps",
        eval_steps=training.eval_steps,
        save_strategy="steps",
        save_steps=training.save_steps,
        save_total_limit=training.save_total_limit,
        report_to="none" if config.tracking == "none" else [config.tracking],
        run_name=config.run_name,
    )


@dataclass(frozen=True)
class TrainResult:
    """What a training run did."""

    global_step: int
    train_loss: float
    resumed_from: str | None
    adapter_dir: Path


def _dataset(config: Config, split: str, tokenizer: PreTrainedTokenizerBase) -> Dataset:
    tokenized = tokenize_examples(
        read_split(data_dir(config), split), tokenizer, config.training.max_length
    )
    return Dataset.from_list(
        [{"input_ids": item.input_ids, "labels": item.labels} for item in tokenized]
    )


def _record_base_model_name(config: Config) -> None:
    """Name the base model in adapter_config.json as the config does, not by a local path.

    PEFT records the path the base model was loaded from; for the tiny model that is a
    directory on this machine, meaningless anywhere else. Done after saving because
    PEFT reads the local base model's config while it saves.
    """
    path = adapter_dir(config) / "adapter_config.json"
    adapter_config = json.loads(path.read_text(encoding="utf-8"))
    adapter_config["base_model_name_or_path"] = config.model.name_or_path
    path.write_text(json.dumps(adapter_config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def train(
    config: Config,
    *,
    resume: bool = True,
    hardware: Hardware | None = None,
    callbacks: list[TrainerCallback] | None = None,
) -> TrainResult:
    """Train the adapter and save it.

    With `resume`, training continues from the last checkpoint; without it, old
    checkpoints are deleted first, so that checkpoint rotation cannot mix two runs.
    """
    hardware = hardware or Hardware.detect()
    precision = check_hardware(config, hardware)
    tokenizer = load_tokenizer(config)
    train_set = _dataset(config, "train", tokenizer)
    validation_set = _dataset(config, "validation", tokenizer)

    last_checkpoint = None
    if checkpoints_dir(config).is_dir():
        if resume:
            last_checkpoint = get_last_checkpoint(str(checkpoints_dir(config)))
        else:
            shutil.rmtree(checkpoints_dir(config))
    resume_step = int(last_checkpoint.rsplit("-", 1)[1]) if last_checkpoint else None
    if last_checkpoint:
        logger.info("resuming from %s", last_checkpoint)

    model = attach_lora(load_base_model(config, precision, for_training=True), config)
    trainer = SFTTrainer(
        model=model,
        args=sft_config(config, precision, hardware),
        train_dataset=train_set,
        eval_dataset=validation_set,
        processing_class=tokenizer,
        callbacks=[
            JsonlMetricsCallback(training_log_path(config), resume_step),
            ProvenanceCallback(provenance_path(config)),
            *(callbacks or []),
        ],
    )
    if trainer.is_fsdp_enabled:  # pragma: no cover - multi-GPU only
        # PEFT's policy wraps the trainable adapter layers apart from the frozen ones, and
        # the adapter is saved from a full state dict rather than per-GPU shards.
        trainer.accelerator.state.fsdp_plugin.auto_wrap_policy = fsdp_auto_wrap_policy(model)
    output = trainer.train(resume_from_checkpoint=last_checkpoint)
    if trainer.is_fsdp_enabled:  # pragma: no cover - multi-GPU only
        trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")
    trainer.save_model(str(adapter_dir(config)))
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(adapter_dir(config))
        _record_base_model_name(config)
    return TrainResult(
        global_step=output.global_step,
        train_loss=output.training_loss,
        resumed_from=last_checkpoint,
        adapter_dir=adapter_dir(config),
    )
