"""Run fingerprints: what a checkpoint, the prepared data or the tiny base was made from.

Each derived artefact records its inputs (the settings that shape it and SHA-256 hashes
of the files it was made from) in a `fingerprint.json` beside it. Resume, train and
prepare compare the recorded inputs with the current ones, so that a changed config,
data file or base model is named instead of silently reused. The prepared data also
records the hashes of the splits it wrote, so that train and evaluate notice a split
edited by hand after prepare.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .config import Config, TinyModelConfig
from .corpus import Corpus, load_corpus
from .errors import DataError
from .paths import data_dir, tiny_base_dir

FILE_NAME = "fingerprint.json"
SPLITS = ("train", "validation", "test")
Inputs = dict[str, Any]

# Settings that change what is trained; logging, evaluation and checkpoint cadence do not.
_NOT_TRAINING_RELEVANT = {
    "logging_steps",
    "eval_steps",
    "save_steps",
    "save_total_limit",
    "eval_batch_size",
}
# Part of every pretrained base's cache key: raise it when a change to `pretrain` alters
# what a build produces from the same settings and corpus.
PRETRAIN_RECIPE = 1
# Files that identify a model directory without hashing gigabytes of weights.
_MODEL_IDENTITY_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks so large files need little memory."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inputs_hash(inputs: Inputs) -> str:
    """One hash for a whole set of inputs, independent of key order."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def base_cache_key(config: TinyModelConfig, corpus: Corpus) -> str:
    """A short hash of everything that shapes a pretrained base: its cache folder's name.

    The cache folder itself is left out: moving the cache does not change the model.
    """
    settings = config.model_dump(mode="json", exclude={"cache_dir"})
    inputs = {"settings": settings, "corpus": corpus.digest, "recipe": PRETRAIN_RECIPE}
    return inputs_hash(inputs)[:16]


def _flatten(prefix: str, values: dict[str, Any]) -> Inputs:
    return {f"{prefix}.{key}": value for key, value in values.items()}


def data_inputs(config: Config) -> Inputs:
    """What the prepared splits are made from: the data settings and each data file."""
    data = config.data
    inputs: Inputs = _flatten(
        "data",
        data.model_dump(
            mode="json",
            exclude={"train_file", "validation_file", "test_file"},
        ),
    )
    for name in ("train_file", "validation_file", "test_file"):
        path = getattr(data, name)
        if path is not None:
            inputs[f"data.{name} contents"] = file_hash(path) if path.is_file() else "missing"
    return inputs


def tiny_base_inputs(config: Config, train_split: Path) -> Inputs:
    """What the tiny base is built from: its settings, and then the inputs of its weights.

    For a random base that is the training split (its tokenizer's vocabulary); for a
    pretrained one, the cached base it copies, named by its cache key.
    """
    tiny = config.model.tiny
    inputs = _flatten("model.tiny", tiny.model_dump(mode="json", exclude={"cache_dir"}))
    if tiny.pretraining is None:
        return {**inputs, "prepared train split": file_hash(train_split)}
    return {**inputs, "pretrained base": base_cache_key(tiny, load_corpus())}


def model_identity(directory: Path) -> Inputs:
    """Hashes of a model directory's config and tokenizer files (not of its weights)."""
    return {
        f"base model {name}": file_hash(directory / name)
        for name in _MODEL_IDENTITY_FILES
        if (directory / name).is_file()
    }


def training_inputs(config: Config, data_directory: Path, base_directory: Path | None) -> Inputs:
    """What an adapter's training depends on: its settings, the prepared data, the base model.

    `base_directory` is the base model's local directory (the tiny base, or a local path);
    a Hub model is identified by its id and revision.
    """
    training = config.training.model_dump(mode="json", exclude=_NOT_TRAINING_RELEVANT)
    inputs: Inputs = {
        "model.name_or_path": config.model.name_or_path,
        "model.revision": config.model.revision,
        **_flatten("lora", config.lora.model_dump(mode="json")),
        **_flatten("qlora", config.qlora.model_dump(mode="json")),
        **_flatten("training", training),
    }
    for split in ("train", "validation"):
        inputs[f"prepared {split} split"] = file_hash(data_directory / f"{split}.jsonl")
    if base_directory is not None:
        inputs.update(model_identity(base_directory))
    return inputs


def changed(recorded: Inputs, current: Inputs) -> list[str]:
    """The names of the inputs that differ, in a stable order."""
    return sorted(
        key for key in recorded.keys() | current.keys() if recorded.get(key) != current.get(key)
    )


def _read_field(directory: Path, field: str) -> dict[str, Any] | None:
    path = directory / FILE_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = record.get(field) if isinstance(record, dict) else None
    return value if isinstance(value, dict) else None


def read_fingerprint(directory: Path) -> Inputs | None:
    """The inputs recorded in `directory`, or None when it has no (readable) fingerprint."""
    return _read_field(directory, "inputs")


def prepared_split_hashes(directory: Path) -> dict[str, str]:
    """SHA-256 of each prepared split file ("missing" for one that is not there)."""
    paths = {split: directory / f"{split}.jsonl" for split in SPLITS}
    return {
        split: file_hash(path) if path.is_file() else "missing" for split, path in paths.items()
    }


def write_fingerprint(
    directory: Path, inputs: Inputs, outputs: dict[str, str] | None = None
) -> Path:
    """Record `inputs` in `directory`, atomically: a crash leaves the old file or the new one.

    `outputs` are hashes of the files made from them, for a check that nobody edited those.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    partial = path.with_suffix(".json.partial")
    record: dict[str, Any] = {"hash": inputs_hash(inputs), "inputs": inputs}
    if outputs is not None:
        record["outputs"] = outputs
    partial.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def describe_changes(keys: list[str], limit: int = 6) -> str:
    """`a, b and 3 more`: the changed inputs, short enough for a one-line error."""
    shown = ", ".join(keys[:limit])
    return f"{shown} and {len(keys) - limit} more" if len(keys) > limit else shown


def check_prepared(config: Config) -> None:
    """Refuse prepared data, or a tiny base, made from other inputs than the config's.

    Without this, `train` after a change of `data.train_file` would train on the data
    prepared from the old file without a word, and `evaluate` would score an edited test
    split while the model card lists the hash of the file it was prepared from.
    """
    directory = data_dir(config)
    if not (directory / "train.jsonl").is_file():
        raise DataError(f"{directory} is missing: run prepare first")
    recorded = read_fingerprint(directory)
    if recorded is None:
        raise DataError(f"{directory} has no {FILE_NAME}: run prepare again")
    if keys := changed(recorded, data_inputs(config)):
        raise DataError(
            f"the prepared data in {directory} is out of date ({describe_changes(keys)} "
            "changed): run prepare again"
        )
    recorded_splits = _read_field(directory, "outputs")
    if recorded_splits is None:
        raise DataError(
            f"{directory} records no hashes of its splits (an older prepare): run prepare again"
        )
    current_splits = prepared_split_hashes(directory)
    if edited := [split for split in SPLITS if recorded_splits.get(split) != current_splits[split]]:
        splits = f"{' and '.join(edited)} split{'s' if len(edited) > 1 else ''}"
        raise DataError(
            f"the prepared {splits} in {directory} changed after prepare wrote them: "
            "run prepare again (edit the data files, not the prepared copies)"
        )
    if not config.model.is_tiny:
        return
    base = tiny_base_dir(config)
    recorded = read_fingerprint(base)
    if recorded is None:
        raise DataError(f"the tiny base model is not built yet ({base}): run prepare first")
    if keys := changed(recorded, tiny_base_inputs(config, directory / "train.jsonl")):
        raise DataError(
            f"the tiny base model in {base} was built from other inputs "
            f"({describe_changes(keys)} changed): run prepare again"
        )
