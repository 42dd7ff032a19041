"""The adapter's model card: the README.md that the Hugging Face Hub shows for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .config import Config
from .paths import adapter_dir

METRIC_LABELS = {
    "loss": "Test loss",
    "perplexity": "Test perplexity",
    "rouge_l": "ROUGE-L F1",
    "bleu": "BLEU",
    "chrf": "chrF",
    "exact_match": "Exact match",
}
LOWER_IS_BETTER = {"loss", "perplexity"}


def scoring_note(config: Config, metrics: dict[str, Any]) -> str:
    """Which tokens the loss counts and how many examples were generated for."""
    if config.data.format == "text":
        return f"On {metrics['test_examples']} held-out test documents; loss per token."
    return (
        f"On {metrics['test_examples']} held-out test examples; loss per answer token (prompt "
        f"tokens are masked), generation metrics on {metrics['generated_examples']} greedy answers."
    )


def metric_rows(metrics: dict[str, Any]) -> list[str]:
    """Markdown table rows: metric, base model, adapter, change."""
    rows = []
    for key, label in METRIC_LABELS.items():
        base, adapter = metrics["base"].get(key), metrics["adapter"].get(key)
        if base is None or adapter is None:
            continue
        change = adapter - base
        if change == 0:
            verdict = "no change"
        else:
            better = change < 0 if key in LOWER_IS_BETTER else change > 0
            verdict = f"{change:+.4g} {'better' if better else 'worse'}"
        rows.append(f"| {label} | {base:.4g} | {adapter:.4g} | {verdict} |")
    return rows


def render_model_card(config: Config, metrics: dict[str, Any], split_sizes: dict[str, int]) -> str:
    card = config.card
    front_matter = {
        "library_name": "peft",
        "base_model": config.model.name_or_path,
        "license": card.license,
        "pipeline_tag": "text-generation",
        "tags": ["lora", "peft", "sft", "trl"],
    }
    lora, training = config.lora, config.training
    hyperparameters = {
        "LoRA rank r": lora.r,
        "LoRA alpha": lora.alpha,
        "LoRA dropout": lora.dropout,
        "Target modules": lora.target_modules
        if isinstance(lora.target_modules, str)
        else ", ".join(lora.target_modules),
        "rsLoRA": lora.use_rslora,
        "DoRA": lora.use_dora,
        "QLoRA (4-bit base)": config.qlora.enabled,
        "Learning rate": training.learning_rate,
        "Epochs": training.num_epochs if training.num_epochs is not None else "-",
        "Max steps": training.max_steps if training.max_steps is not None else "-",
        "Batch size x accumulation": (
            f"{training.batch_size} x {training.gradient_accumulation_steps}"
        ),
        "Max length": training.max_length,
        "Packing": training.packing,
        "Seed": training.seed,
    }
    lines = [
        "---",
        yaml.safe_dump(front_matter, sort_keys=False).strip(),
        "---",
        "",
        f"# LoRA adapter for {config.model.name_or_path}",
        "",
        f"A LoRA adapter fine-tuned for {card.domain}.",
        "",
        "## Base model",
        "",
        f"`{config.model.name_or_path}`, loaded with PEFT: "
        "`PeftModel.from_pretrained(base_model, this_directory)`.",
        "",
        "## Training data",
        "",
        f"Format `{config.data.format}`; "
        + ", ".join(f"{size} {name}" for name, size in split_sizes.items())
        + " examples.",
        f"{card.data_description}",
        "",
        "## Hyperparameters",
        "",
        "| Setting | Value |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in hyperparameters.items()),
        "",
        "## Evaluation",
        "",
        scoring_note(config, metrics),
        "",
        "| Metric | Base model | With adapter | Change |",
        "| --- | --- | --- | --- |",
        *metric_rows(metrics),
        "",
        "## Intended use",
        "",
        card.intended_use,
        "",
        "## Limitations",
        "",
        card.limitations,
        "",
        "## License",
        "",
        f"The adapter weights are released under `{card.license}`; the base model keeps its "
        "own license, which also applies to any use of the adapter with it.",
        "",
    ]
    return "\n".join(lines)


def write_model_card(config: Config, metrics_file: Path, split_sizes: dict[str, int]) -> Path:
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    path = adapter_dir(config) / "README.md"
    path.write_text(render_model_card(config, metrics, split_sizes), encoding="utf-8")
    return path
