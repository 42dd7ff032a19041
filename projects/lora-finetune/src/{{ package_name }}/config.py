"""The run configuration: one YAML file, validated by pydantic before anything heavy loads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigError

TINY_MODEL = "tiny"
DataFormat = Literal["prompt_completion", "messages", "text"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]
# What training updates: a LoRA adapter (the point of the project) or every weight.
Method = Literal["lora", "full"]
Tracker = Literal["none", "tensorboard", "wandb", "mlflow"]
# Where evaluation, generation and merging run; auto is where training ran.
DeviceChoice = Literal["auto", "cuda", "mps", "cpu"]


class _Section(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid")


class PretrainingConfig(_Section):
    """Pretraining of the tiny model on the shipped general-English corpus (see `pretrain`).

    A fixed number of steps rather than a time budget, so the same settings give the same
    model on any machine; the defaults take under three minutes on two CPU cores.
    """

    steps: int = Field(default=400, ge=1)
    batch_size: int = Field(default=8, ge=1)
    sequence_length: int = Field(default=128, ge=8)
    learning_rate: float = Field(default=3e-3, gt=0)
    warmup_steps: int = Field(default=20, ge=0)
    # Held-out tokens scored once pretraining ends (recorded, not used to choose anything).
    eval_tokens: int = Field(default=16_384, ge=1)


class TinyModelConfig(_Section):
    """Shape of the Llama-style model built locally when `model.name_or_path: tiny`.

    With `pretraining` it learns English from a general corpus first and is cached in
    `cache_dir` (the demo's base); without it, it stays random with a tokenizer trained on
    the task data, which is all the plumbing tests need.
    """

    vocab_size: int = Field(default=1024, ge=300)
    hidden_size: int = Field(default=64, ge=8)
    intermediate_size: int = Field(default=128, ge=8)
    num_layers: int = Field(default=2, ge=1)
    num_heads: int = Field(default=4, ge=1)
    max_position_embeddings: int = Field(default=512, ge=16)
    # Wider than Llama's 0.02 for the random model: with frozen random embeddings as the
    # output layer, the logits' scale is what a LoRA adapter cannot change, and 0.02 keeps
    # them near zero. A pretrained base learns its scale: use 0.02 there.
    initializer_range: float = Field(default=0.15, gt=0)
    seed: int = 0
    pretraining: PretrainingConfig | None = None
    # Pretrained bases, one folder per setting; relative to the project root.
    cache_dir: Path = Path(".cache/base-models")

    @model_validator(mode="after")
    def _heads_divide_hidden_size(self) -> TinyModelConfig:
        if self.hidden_size % self.num_heads:
            raise ValueError(
                f"hidden_size ({self.hidden_size}) must be a multiple of "
                f"num_heads ({self.num_heads})"
            )
        return self


class ModelConfig(_Section):
    """The base model: `tiny`, a Hugging Face Hub id or a local directory."""

    name_or_path: str = Field(min_length=1)
    revision: str | None = None
    tiny: TinyModelConfig = Field(default_factory=TinyModelConfig)

    @property
    def is_tiny(self) -> bool:
        return self.name_or_path == TINY_MODEL


class DataConfig(_Section):
    """Where the examples are and how they are written.

    With only `train_file`, validation and test sets are split off it with the given
    fractions; with all three files the split is yours.
    """

    format: DataFormat = "prompt_completion"
    train_file: Path
    validation_file: Path | None = None
    test_file: Path | None = None
    validation_fraction: float = Field(default=0.1, gt=0, lt=0.5)
    test_fraction: float = Field(default=0.1, gt=0, lt=0.5)
    system_prompt: str | None = None
    seed: int = 42

    @model_validator(mode="after")
    def _files_given_together(self) -> DataConfig:
        if (self.validation_file is None) != (self.test_file is None):
            raise ValueError("give both validation_file and test_file, or neither")
        return self


class LoraConfig(_Section):
    """The adapter: rank, scaling and where it attaches."""

    r: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.05, ge=0, lt=1)
    target_modules: str | list[str] = "all-linear"
    # Whole modules trained and saved beside the LoRA matrices, e.g. [embed_tokens]: the
    # embeddings (and the output layer, when the model ties the two) learn the new
    # domain's tokens, which low-rank updates of the inner layers cannot re-embed.
    modules_to_save: list[str] = Field(default_factory=list)
    use_rslora: bool = False
    use_dora: bool = False


class QLoraConfig(_Section):
    """4-bit quantisation of the frozen base model (bitsandbytes, CUDA only)."""

    enabled: bool = False
    quant_type: Literal["nf4", "fp4"] = "nf4"
    double_quant: bool = True


class TrainingConfig(_Section):
    """Optimisation settings, passed on to TRL's SFTConfig.

    `method: full` trains every weight of the base instead of an adapter and saves the
    whole model where the adapter would go: the baseline LoRA is measured against
    (benchmarks/rank_sweep.py). `prepare`, `train` and `evaluate` take it; merging,
    pushing and `run` need an adapter and refuse it.
    """

    method: Method = "lora"
    learning_rate: float = Field(default=2e-4, gt=0)
    num_epochs: float | None = Field(default=None, gt=0)
    max_steps: int | None = Field(default=None, gt=0)
    batch_size: int = Field(default=8, ge=1)
    eval_batch_size: int = Field(default=16, ge=1)
    gradient_accumulation_steps: int = Field(default=1, ge=1)
    max_length: int = Field(default=512, ge=16)
    packing: bool = False
    gradient_checkpointing: bool = False
    seed: int = 42
    precision: Precision = "auto"
    warmup_ratio: float = Field(default=0.05, ge=0, lt=1)
    weight_decay: float = Field(default=0.0, ge=0)
    lr_scheduler: Literal["linear", "cosine", "constant_with_warmup"] = "cosine"
    logging_steps: int = Field(default=10, ge=1)
    eval_steps: int = Field(default=50, ge=1)
    save_steps: int = Field(default=50, ge=1)
    save_total_limit: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _one_length_setting(self) -> TrainingConfig:
        if (self.num_epochs is None) == (self.max_steps is None):
            raise ValueError("set exactly one of num_epochs and max_steps")
        return self


class EvaluationConfig(_Section):
    """Held-out evaluation: how many test examples to generate for, and how long."""

    max_new_tokens: int = Field(default=96, ge=1)
    # Greedy decoding of the test answers (and of `generate`); the defaults leave the
    # model's choices alone. A small model briefly trained tends to end an answer at once
    # or to loop: min_new_tokens holds the end token off, no_repeat_ngram_size forbids
    # writing any n tokens twice, repetition_penalty > 1 discounts tokens already used.
    # Choose them on the validation split, never on the test split.
    min_new_tokens: int = Field(default=0, ge=0)
    no_repeat_ngram_size: int = Field(default=0, ge=0)
    repetition_penalty: float = Field(default=1.0, gt=0)
    num_generations: int = Field(default=32, ge=1)
    num_samples_in_report: int = Field(default=3, ge=0)
    merge_tolerance: float = Field(default=1e-4, gt=0)

    @model_validator(mode="after")
    def _min_within_max(self) -> EvaluationConfig:
        if self.min_new_tokens > self.max_new_tokens:
            raise ValueError(
                f"min_new_tokens ({self.min_new_tokens}) exceeds max_new_tokens "
                f"({self.max_new_tokens})"
            )
        return self


LEXICON = "lexicon"
# A Hub id (`owner/name` or a bare legacy name) or a path: anything else is a typo.
_CLASSIFIER_NAME = re.compile(r"[\w.-]+(/[\w.-]+)?")


class SafetyConfig(_Section):
    """Toxicity and bias checks run by `evaluate` on the base model and the adapter.

    `classifier` is `lexicon` (an offline word list, see `toxicity`) or a Hugging Face
    text-classification model, e.g. `unitary/toxic-bert` or
    `s-nlp/roberta_toxicity_classifier`, that has a `toxic_label` output. Without
    `prompts_file` or `pairs_file` the shipped sets are used.
    """

    enabled: bool = True
    classifier: str = LEXICON
    classifier_revision: str | None = None
    toxic_label: str = Field(default="toxic", min_length=1)
    threshold: float = Field(default=0.5, gt=0, lt=1)
    prompts_file: Path | None = None
    pairs_file: Path | None = None
    max_new_tokens: int = Field(default=48, ge=1, le=4096)
    confidence_level: float = Field(default=0.95, ge=0.5, lt=1)
    bootstrap_resamples: int = Field(default=9999, ge=100, le=1_000_000)
    seed: int = 0

    @field_validator("classifier")
    @classmethod
    def _classifier_is_a_name_or_path(cls, value: str) -> str:
        if value == LEXICON or value.startswith((".", "/", "~")):
            return value
        if not _CLASSIFIER_NAME.fullmatch(value):
            raise ValueError(
                f"{value!r} is neither `{LEXICON}`, a Hub id like owner/model nor a path"
            )
        return value

    @property
    def uses_lexicon(self) -> bool:
        return self.classifier == LEXICON


class CardConfig(_Section):
    """What the model card says beyond the figures: the domain, use, limits and license."""

    domain: str = Field(default="a niche domain", min_length=1)
    license: str = Field(default="apache-2.0", min_length=1)
    data_description: str = ""
    intended_use: str = (
        "Research and demonstration of parameter-efficient fine-tuning. Review every output "
        "before anyone relies on it."
    )
    limitations: str = (
        "A small model adapted on a small dataset: it can state wrong facts fluently and "
        "knows nothing beyond its base model and training data."
    )


class Config(_Section):
    """A whole run: what to train, on what, how, and where the results go."""

    model: ModelConfig
    data: DataConfig
    lora: LoraConfig = Field(default_factory=LoraConfig)
    qlora: QLoraConfig = Field(default_factory=QLoraConfig)
    training: TrainingConfig
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    card: CardConfig = Field(default_factory=CardConfig)
    safety: SafetyConfig = Field(default_factory=SafetyConfig)
    tracking: Tracker = "none"
    run_name: str | None = None
    output_dir: Path

    @model_validator(mode="after")
    def _no_conflicts(self) -> Config:
        if self.qlora.enabled and self.training.method == "full":
            raise ValueError(
                "qlora: full fine-tuning cannot train 4-bit weights; set training.method to lora"
            )
        if self.qlora.enabled:
            if self.model.is_tiny:
                raise ValueError("qlora: the tiny model is too small to quantise; use a real model")
            if self.training.precision == "fp32":
                raise ValueError(
                    "qlora: 4-bit training computes in bf16 or fp16; set training.precision "
                    "to auto, bf16 or fp16"
                )
        return self

    def resolve_paths(self, base: Path) -> Config:
        """Make relative paths relative to `base` (the config file's project root)."""
        data = self.data.model_copy(
            update={
                name: base / path
                for name in ("train_file", "validation_file", "test_file")
                if (path := getattr(self.data, name)) is not None and not path.is_absolute()
            }
        )
        safety = self.safety.model_copy(
            update={
                name: base / path
                for name in ("prompts_file", "pairs_file")
                if (path := getattr(self.safety, name)) is not None and not path.is_absolute()
            }
        )
        output_dir = self.output_dir if self.output_dir.is_absolute() else base / self.output_dir
        tiny = self.model.tiny
        cache_dir = tiny.cache_dir if tiny.cache_dir.is_absolute() else base / tiny.cache_dir
        model = self.model.model_copy(
            update={"tiny": tiny.model_copy(update={"cache_dir": cache_dir})}
        )
        return self.model_copy(
            update={"model": model, "data": data, "safety": safety, "output_dir": output_dir}
        )


def parse_config(raw: object, source: str = "config") -> Config:
    """Validate an already parsed YAML document; errors name the field and the problem."""
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '(top level)'}: "
            + issue["msg"].removeprefix("Value error, ")
            for issue in error.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None


def load_config(path: Path, *, root: Path | None = None) -> Config:
    """Read and validate a YAML config.

    Relative paths in it are taken from `root`, by default the current directory, so
    that `configs/tiny.yaml` works from the project root as the README shows.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    config = parse_config(raw, str(path))
    return config.resolve_paths(root if root is not None else Path.cwd())
