"""Training data: load and validate the files, split them, and turn examples into tokens.

Every format becomes one of two shapes: a conversation whose last message is the
assistant's answer (prompt/completion and chat data), or a plain text. Conversations are
rendered with the tokenizer's chat template and only the answer's tokens carry a loss
label; the prompt's labels are -100, which PyTorch's cross-entropy ignores.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformers import PreTrainedTokenizerBase

from .config import DataConfig, DataFormat
from .errors import DataError

logger = logging.getLogger(__name__)

IGNORE_INDEX = -100
ROLES = {"system", "user", "assistant"}
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Example:
    """One training example: a conversation ending in the answer, or a plain text."""

    messages: tuple[dict[str, str], ...] = ()
    text: str | None = None

    @property
    def prompt_messages(self) -> list[dict[str, str]]:
        return list(self.messages[:-1])

    @property
    def reference(self) -> str:
        """The text the model should produce: the last assistant message, or the text."""
        return self.messages[-1]["content"] if self.messages else (self.text or "")

    def to_json(self) -> str:
        record = {"messages": list(self.messages)} if self.messages else {"text": self.text}
        return json.dumps(record)


@dataclass(frozen=True)
class TokenizedExample:
    """Token ids with their loss labels (-100 where no loss is taken)."""

    input_ids: list[int]
    labels: list[int]


FORMAT_FIELDS: dict[DataFormat, tuple[str, ...]] = {
    "prompt_completion": ("prompt", "completion"),
    "messages": ("messages",),
    "text": ("text",),
}


def _string_field(record: dict[str, Any], key: str, where: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: '{key}' must be a non-empty string")
    return value


def _check_format(record: dict[str, Any], data_format: DataFormat, where: str) -> None:
    """A record written in another format names the format to set, not just a missing key."""
    if all(key in record for key in FORMAT_FIELDS[data_format]):
        return
    for other, fields in FORMAT_FIELDS.items():
        if other != data_format and all(key in record for key in fields):
            raise DataError(
                f"{where}: this record is in the {other} format ({', '.join(fields)}), "
                f"not {data_format}: set data.format: {other} in the config"
            )


def _parse_messages(value: object, where: str) -> tuple[dict[str, str], ...]:
    if not isinstance(value, list) or not value:
        raise DataError(f"{where}: 'messages' must be a non-empty list")
    messages = []
    for index, message in enumerate(value):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise DataError(
                f"{where}: message {index} needs a 'role' of {', '.join(sorted(ROLES))}"
            )
        content = _string_field(message, "content", f"{where}: message {index}")
        messages.append({"role": str(message["role"]), "content": content})
    if messages[-1]["role"] != "assistant":
        raise DataError(f"{where}: the last message must be the assistant's answer")
    if not any(message["role"] == "user" for message in messages):
        raise DataError(f"{where}: the conversation has no user message")
    return tuple(messages)


def parse_record(
    record: object, data_format: DataFormat, where: str, system_prompt: str | None = None
) -> Example:
    """Validate one JSON record of the given format; `where` is `file:line` for errors."""
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}")
    _check_format(record, data_format, where)
    system = ({"role": "system", "content": system_prompt},) if system_prompt else ()
    if data_format == "prompt_completion":
        prompt = _string_field(record, "prompt", where)
        completion = _string_field(record, "completion", where)
        user = {"role": "user", "content": prompt}
        return Example(messages=(*system, user, {"role": "assistant", "content": completion}))
    if data_format == "messages":
        messages = _parse_messages(record.get("messages"), where)
        if system and messages[0]["role"] != "system":
            messages = (*system, *messages)
        return Example(messages=messages)
    return Example(text=_string_field(record, "text", where))


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(
            f"{where}: not UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1}): "
            "save the file as UTF-8"
        ) from None


def _read_text(path: Path) -> str:
    """A whole text file; undecodable bytes are reported with their file:line."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        number = raw.count(b"\n", 0, error.start) + 1
        line = raw.split(b"\n")[number - 1]
        return _decode(line, f"{path}:{number}")


def _jsonl_records(path: Path) -> Iterator[tuple[object, str]]:
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path}:{number}"
            line = _decode(raw, where)
            if not line.strip():
                continue
            try:
                yield json.loads(line), where
            except json.JSONDecodeError as error:
                raise DataError(f"{where}: not valid JSON ({error.msg})") from None


def load_examples(
    path: Path, data_format: DataFormat, system_prompt: str | None = None
) -> list[Example]:
    """Read one data file; the first invalid example stops the load with `file:line: why`.

    Plain text comes as a `.txt` file of documents separated by blank lines, or as JSONL
    with a `text` field.
    """
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    if data_format == "text" and path.suffix != ".jsonl":
        blocks = _read_text(path).split("\n\n")
        examples = [Example(text=block.strip()) for block in blocks if block.strip()]
    else:
        examples = [
            parse_record(record, data_format, where, system_prompt)
            for record, where in _jsonl_records(path)
        ]
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples


def split_examples(
    examples: list[Example], validation_fraction: float, test_fraction: float, seed: int
) -> dict[str, list[Example]]:
    """Shuffle with a fixed seed and cut off validation and test sets."""
    shuffled = examples[:]
    random.Random(seed).shuffle(shuffled)
    n_validation = max(1, round(len(shuffled) * validation_fraction))
    n_test = max(1, round(len(shuffled) * test_fraction))
    if n_validation + n_test >= len(shuffled):
        raise DataError(f"{len(examples)} examples are too few to split off validation and test")
    return {
        "validation": shuffled[:n_validation],
        "test": shuffled[n_validation : n_validation + n_test],
        "train": shuffled[n_validation + n_test :],
    }


def load_splits(config: DataConfig) -> dict[str, list[Example]]:
    """The train/validation/test examples the config points at."""

    def load(path: Path) -> list[Example]:
        return load_examples(path, config.format, config.system_prompt)

    if config.validation_file is None or config.test_file is None:
        return split_examples(
            load(config.train_file), config.validation_fraction, config.test_fraction, config.seed
        )
    return {
        "train": load(config.train_file),
        "validation": load(config.validation_file),
        "test": load(config.test_file),
    }


def save_splits(splits: dict[str, list[Example]], directory: Path) -> None:
    """Write the validated splits as normalised JSONL, the input of every later step."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, examples in splits.items():
        lines = "".join(example.to_json() + "\n" for example in examples)
        (directory / f"{name}.jsonl").write_text(lines, encoding="utf-8")


def read_split(directory: Path, name: str) -> list[Example]:
    path = directory / f"{name}.jsonl"
    if not path.is_file():
        raise DataError(f"{path} is missing: run the prepare step first")
    examples = []
    for record, _ in _jsonl_records(path):
        assert isinstance(record, dict)
        if "messages" in record:
            examples.append(Example(messages=tuple(record["messages"])))
        else:
            examples.append(Example(text=record["text"]))
    return examples


def prompt_text(example: Example, tokenizer: PreTrainedTokenizerBase) -> str:
    """The model's input for generation: the chat prompt, or the start of a plain text."""
    if not example.messages:
        return ""
    rendered = tokenizer.apply_chat_template(
        example.prompt_messages, tokenize=False, add_generation_prompt=True
    )
    return str(rendered)


def tokenize_example(
    example: Example, tokenizer: PreTrainedTokenizerBase, max_length: int
) -> TokenizedExample:
    """Token ids and labels, with the prompt masked out of the loss.

    The prompt and the answer are tokenized separately and joined, so the boundary
    between them is exact whatever the tokenizer's merges would do across it.
    """
    if example.messages:
        if not tokenizer.chat_template:
            raise DataError(
                "the tokenizer has no chat template: pick an instruct model or data.format: text"
            )
        prompt = prompt_text(example, tokenizer)
        full = str(tokenizer.apply_chat_template(list(example.messages), tokenize=False))
        if not full.startswith(prompt):
            raise DataError("the chat template renders the prompt differently inside the chat")
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(full[len(prompt) :], add_special_tokens=False)["input_ids"]
        input_ids = prompt_ids + answer_ids
        labels = [IGNORE_INDEX] * len(prompt_ids) + answer_ids
    else:
        text = (example.text or "") + (tokenizer.eos_token or "")
        input_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        labels = list(input_ids)
    return TokenizedExample(input_ids=input_ids[:max_length], labels=labels[:max_length])


def tokenize_examples(
    examples: list[Example],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    source: str = "the data",
) -> list[TokenizedExample]:
    """Tokenize a split, dropping examples whose answer was cut off entirely by `max_length`.

    When that drops every example, training would stop on an empty dataset deep inside
    the trainer; the error here says which setting to raise, and to what.
    """
    full = [tokenize_example(example, tokenizer, max_length=10**9) for example in examples]
    tokenized = [
        TokenizedExample(item.input_ids[:max_length], item.labels[:max_length]) for item in full
    ]
    kept = [item for item in tokenized if any(label != IGNORE_INDEX for label in item.labels)]
    longest = max((len(item.input_ids) for item in full), default=0)
    if tokenized and not kept:
        raise DataError(
            f"every example in {source} is longer than training.max_length ({max_length}) "
            f"before its answer starts; the longest is {longest} tokens: raise "
            "training.max_length"
        )
    if dropped := len(tokenized) - len(kept):
        logger.warning(
            "%d of %d examples in %s dropped: their prompt alone fills training.max_length (%d)",
            dropped,
            len(tokenized),
            source,
            max_length,
        )
    if cut := sum(len(item.input_ids) > max_length for item in full):
        logger.warning(
            "%d examples in %s cut to training.max_length (%d); the longest is %d tokens",
            cut,
            source,
            max_length,
            longest,
        )
    return kept
