"""Training: TRL's SFTTrainer on the prepared splits, with checkpoints and safe resuming.

Every checkpoint carries the run's fingerprint (see `fingerprint`); a resume whose
config, data or base model differ stops and names the difference, and a run that already
finished says so instead of training zero steps.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset
from peft import PeftModel
from peft.utils.other import fsdp_auto_wrap_policy
from transformers import (
    PreTrainedModel,
    PreTrainedTokenizerBase,
    TrainerCallback,
    TrainerControl,
    TrainerState,
    TrainingArguments,
    enable_full_determinism,
    set_seed,
)
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, get_last_checkpoint
from trl import SFTConfig, SFTTrainer

from .config import Config
from .data import read_split, tokenize_examples
from .errors import FinetuneError
from .fingerprint import (
    FILE_NAME,
    Inputs,
    changed,
    check_prepared,
    describe_changes,
    read_fingerprint,
    training_inputs,
    write_fingerprint,
)
from .hardware import Hardware, check_hardware
from .hub import check_base_model
from .launch import check_one_run
from .model import attach_lora, load_base_model, load_tokenizer
from .paths import (
    adapter_dir,
    base_model_dir,
    checkpoints_dir,
    data_dir,
    provenance_path,
    training_log_path,
)
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


class FingerprintCallback(TrainerCallback):
    """Record the run's inputs in every checkpoint, so that a resume can check them."""

    def __init__(self, inputs: Inputs, directory: Path) -> None:
        self.inputs = inputs
        self.directory = directory

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if state.is_world_process_zero:
            checkpoint = self.directory / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
            write_fingerprint(checkpoint, self.inputs)


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
        # On a machine without GPUs this is what makes processes started together by
        # `accelerate launch` or torchrun join one gloo group instead of training apart.
        use_cpu=not (hardware.cuda or hardware.mps),
        seed=training.seed,
        # Deterministic kernels cost GPUs speed and CPUs next to nothing: on CPU the same
        # seed gives the same figures; on a GPU they may differ in the last digits.
        full_determinism=not (hardware.cuda or hardware.mps),
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


def _seed_everything(seed: int, *, deterministic: bool) -> None:
    """Seed Python's, NumPy's and torch's generators (on every device), as the Trainer does.

    `deterministic` also makes torch use deterministic kernels, for the rest of the process.
    """
    if deterministic:
        enable_full_determinism(seed)
    else:
        set_seed(seed)


@dataclass(frozen=True)
class TrainResult:
    """What a training run did."""

    global_step: int
    train_loss: float
    resumed_from: str | None
    adapter_dir: Path
    already_finished: bool = False


def _dataset(config: Config, split: str, tokenizer: PreTrainedTokenizerBase) -> Dataset:
    tokenized = tokenize_examples(
        read_split(data_dir(config), split),
        tokenizer,
        config.training.max_length,
        f"the {split} split",
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


def check_resumable(checkpoint: Path, inputs: Inputs) -> None:
    """Stop when the checkpoint was made from other inputs than this run's."""
    recorded = read_fingerprint(checkpoint)
    if recorded is None:
        raise FinetuneError(
            f"{checkpoint} has no {FILE_NAME}, so it may come from another config: "
            "pass --fresh to start over"
        )
    if keys := changed(recorded, inputs):
        raise FinetuneError(
            f"{checkpoint} was trained with a different {describe_changes(keys)}: pass --fresh "
            "to start over, or restore the old settings to resume"
        )


def _finished(checkpoint: Path, config: Config, inputs: Inputs) -> TrainResult | None:
    """The finished run's result, when the checkpoint is its last step and the adapter is saved.

    A run that ended before its adapter was saved is not finished: resuming it trains
    zero steps and saves the adapter, which is what it needs.
    """
    state = TrainerState.load_from_json(str(checkpoint / "trainer_state.json"))
    if not state.max_steps or state.global_step < state.max_steps:
        return None
    if read_fingerprint(adapter_dir(config)) != inputs:
        return None
    # The checkpoint is saved before the run's closing log line; the metrics log has it.
    log = training_log_path(config)
    lines = log.read_text(encoding="utf-8").splitlines() if log.is_file() else []
    rows = [json.loads(line) for line in lines]
    losses = [row["train_loss"] for row in rows if "train_loss" in row]
    return TrainResult(
        global_step=state.global_step,
        train_loss=losses[-1] if losses else float("nan"),
        resumed_from=None,
        adapter_dir=adapter_dir(config),
        already_finished=True,
    )


def train(
    config: Config,
    *,
    resume: bool = True,
    hardware: Hardware | None = None,
    callbacks: list[TrainerCallback] | None = None,
    launched_processes: int = 1,
) -> TrainResult:
    """Train the adapter (or, with `training.method: full`, every weight) and save it.

    With `resume`, training continues from the last checkpoint, provided it was made
    from the same config, data and base model; without it, old checkpoints are deleted
    first, so that checkpoint rotation cannot mix two runs. `launched_processes` is the
    launcher's process count (see `launch`), checked against the processes that join.
    """
    hardware = hardware or Hardware.detect()
    precision = check_hardware(config, hardware)
    check_base_model(config)
    check_prepared(config)
    inputs = training_inputs(config, data_dir(config), base_model_dir(config))

    last_checkpoint = None
    if checkpoints_dir(config).is_dir():
        if resume:
            last_checkpoint = get_last_checkpoint(str(checkpoints_dir(config)))
        else:
            shutil.rmtree(checkpoints_dir(config))
    if last_checkpoint:
        check_resumable(Path(last_checkpoint), inputs)
        if finished := _finished(Path(last_checkpoint), config, inputs):
            logger.info("training already finished at step %d", finished.global_step)
            return finished
        logger.info("resuming from %s", last_checkpoint)
    resume_step = int(last_checkpoint.rsplit("-", 1)[1]) if last_checkpoint else None

    tokenizer = load_tokenizer(config)
    train_set = _dataset(config, "train", tokenizer)
    validation_set = _dataset(config, "validation", tokenizer)

    # The training arguments come first: under DeepSpeed ZeRO-3 their creation is what
    # lets from_pretrained build the model already sharded (zero3_init_flag).
    args = sft_config(config, precision, hardware)
    check_one_run(args.world_size, launched_processes)
    quantised = " (base model in 4 bits)" if config.qlora.enabled else ""
    logger.info("training on %s in %s%s", args.device, precision, quantised)
    # The Trainer seeds itself, but only once it is handed a model: seeding here, before
    # the LoRA matrices are drawn, is what makes the same config and seed train the same
    # adapter. Full determinism is CPU only, where it costs nothing.
    _seed_everything(args.seed, deterministic=args.full_determinism)
    base = load_base_model(config, precision, for_training=True)
    model: PreTrainedModel | PeftModel = base
    if config.training.method == "lora":
        model = attach_lora(base, config)
    else:
        logger.info("full fine-tuning: all %s parameters trainable", f"{base.num_parameters():,}")
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=validation_set,
        processing_class=tokenizer,
        callbacks=[
            JsonlMetricsCallback(training_log_path(config), resume_step),
            ProvenanceCallback(provenance_path(config)),
            FingerprintCallback(inputs, checkpoints_dir(config)),
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
        if config.training.method == "lora":
            _record_base_model_name(config)
        write_fingerprint(adapter_dir(config), inputs)
    return TrainResult(
        global_step=output.global_step,
        train_loss=output.training_loss,
        resumed_from=last_checkpoint,
        adapter_dir=adapter_dir(config),
    )
