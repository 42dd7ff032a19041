"""The adapter's model card: the README.md that the Hugging Face Hub shows for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .config import Config
from .fingerprint import file_hash
from .forgetting import general_examples
from .near_copies import describe as describe_near_copies
from .near_copies import read_figures as read_near_copies
from .paths import adapter_dir, data_dir, provenance_path
from .provenance import (
    config_sha256,
    data_files,
    library_versions,
    read_provenance,
)
from .safety_report import safety_lines
from .sample_data import DESCRIPTION as SAMPLE_DESCRIPTION
from .sample_data import DOMAIN as SAMPLE_DOMAIN
from .sample_data import is_sample_data

METRIC_LABELS = {
    "loss": "Test loss",
    "perplexity": "Test perplexity",
    "rouge_l": "ROUGE-L F1",
    "bleu": "BLEU",
    "chrf": "chrF",
    "exact_match": "Exact match",
    "general_perplexity": "General-text perplexity (forgetting check)",
}
LOWER_IS_BETTER = {"loss", "perplexity", "general_perplexity"}


def scoring_note(config: Config, metrics: dict[str, Any]) -> str:
    """Which tokens the loss counts, what was generated for, what the forgetting check scores."""
    if config.data.format == "text":
        note = f"On {metrics['test_examples']} held-out test documents; loss per token."
    else:
        note = (
            f"On {metrics['test_examples']} held-out test examples; loss per answer token "
            "(prompt tokens are masked), generation metrics on "
            f"{metrics['generated_examples']} greedy answers. ROUGE-L, BLEU and chrF count "
            "the words and characters an answer shares with the reference, not whether it "
            "keeps to the facts of the prompt."
        )
    return (
        f"{note} The forgetting check scores the first {len(general_examples())} paragraphs of "
        "Jane Austen's *Persuasion*, shipped with the project and held out of the demo base "
        "model's pretraining (every token); a general-text perplexity that rises with the "
        "adapter means fine-tuning wore away some general ability."
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


def hub_base_model(config: Config) -> str | None:
    """The base model's Hub id, or None for the tiny model and local directories."""
    name = config.model.name_or_path
    if config.model.is_tiny or Path(name).expanduser().is_dir():
        return None
    return name


def base_model_section(config: Config, metrics: dict[str, Any]) -> str:
    hub_id = hub_base_model(config)
    if hub_id is not None:
        revision = f" at revision `{config.model.revision}`" if config.model.revision else ""
        return (
            f"[`{hub_id}`](https://huggingface.co/{hub_id}){revision}. Load the adapter on top "
            f"of it with PEFT: `PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained("
            f'"{hub_id}"), adapter_id)`.'
        )
    if config.model.is_tiny and (pretrained := metrics.get("pretrained_base")):
        tiny = config.model.tiny
        return (
            f"A small Llama-style model ({pretrained['parameters']:,} parameters: "
            f"{tiny.num_layers} layers, hidden size {tiny.hidden_size}, "
            f"{pretrained['vocab_size']}-token vocabulary) pretrained by the project's "
            f"`prepare` step for {pretrained['steps']} steps ({pretrained['tokens_seen']:,} "
            f"tokens) on {pretrained['corpus']}, its tokenizer trained on the same novels "
            f"(see `corpus/NOTICE` in the package). Perplexity "
            f"{pretrained['held_out_perplexity']:.1f} on {pretrained['held_out_tokens']:,} "
            "held-out tokens of *Persuasion*. It is not on the Hugging Face Hub; it models "
            "early-19th-century English, not the domain."
        )
    if config.model.is_tiny:
        tiny = config.model.tiny
        return (
            f"A tiny random Llama-style model ({tiny.num_layers} layers, hidden size "
            f"{tiny.hidden_size}, {tiny.vocab_size}-token vocabulary) built locally from the "
            "training data by the project's `prepare` step. It exists to test the pipeline "
            "offline; it is not on the Hugging Face Hub and knows no language beyond its data."
        )
    return f"A local model directory, `{Path(config.model.name_or_path).name}`."


def data_origin(config: Config) -> str | None:
    """A sentence naming the shipped sample data when the run used it, else None."""
    if not is_sample_data(data_files(config), config.data.format):
        return None
    if config.card.domain == SAMPLE_DOMAIN:
        return f"The project's sample data: {SAMPLE_DESCRIPTION}."
    return (
        f"Stand-in data, not data for {config.card.domain}: the project's sample data, "
        f"{SAMPLE_DESCRIPTION}. Replace the files in `data/` with your own examples "
        "and train again before using this adapter for its domain."
    )


def data_section(config: Config, split_sizes: dict[str, int]) -> list[str]:
    """Where the data came from; the shipped sample data is named as such.

    In a project made for another domain, the sample data is only a stand-in, and the
    card says so rather than let the adapter pass for one trained on domain data.
    """
    sizes = ", ".join(f"{size} {name}" for name, size in split_sizes.items())
    lines = [f"Format `{config.data.format}`; {sizes} examples.", ""]
    if origin := data_origin(config):
        lines.append(origin)
    if config.card.data_description:
        lines.append(config.card.data_description)
    if near_copies := read_near_copies(data_dir(config)):
        lines += ["", describe_near_copies(near_copies)]
    return lines


def provenance_rows(config: Config, provenance: dict[str, Any] | None) -> list[str]:
    """Markdown table rows that let someone check how the adapter was made."""
    rows = [f"| Settings hash (SHA-256) | `{config_sha256(config)}` |"]
    rows += [
        f"| {name} data `{path.name}` (SHA-256) | `{file_hash(path)}` |"
        for name, path in data_files(config).items()
        if path.is_file()
    ]
    libraries = provenance["libraries"] if provenance else library_versions()
    rows.append("| Libraries | " + ", ".join(f"{k} {v}" for k, v in libraries.items()) + " |")
    if provenance:
        hardware = provenance["hardware"]
        sessions = provenance["sessions"]
        seconds = sum(session["seconds"] for session in sessions)
        rows += [
            f"| Hardware | {hardware['processes']} x {hardware['name']} ({hardware['device']}), "
            f"{hardware['precision']} |",
            f"| Training time | {seconds:.0f} s for {sessions[-1]['to_step']} optimiser steps "
            f"in {len(sessions)} session{'s' if len(sessions) > 1 else ''} |",
            f"| Trained | {sessions[-1]['ended']} |",
        ]
    return rows


def render_model_card(
    config: Config,
    metrics: dict[str, Any],
    split_sizes: dict[str, int],
    provenance: dict[str, Any] | None = None,
) -> str:
    card = config.card
    front_matter: dict[str, Any] = {"library_name": "peft"}
    if (hub_id := hub_base_model(config)) is not None:
        front_matter["base_model"] = hub_id
    front_matter |= {
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
        # Whole modules in the adapter file: it is no longer only low-rank matrices.
        **(
            {"Fully trained modules": ", ".join(lora.modules_to_save)}
            if lora.modules_to_save
            else {}
        ),
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
    title = hub_id or ("the tiny demo model" if config.model.is_tiny else "a local model")
    lines = [
        "---",
        yaml.safe_dump(front_matter, sort_keys=False).strip(),
        "---",
        "",
        f"# LoRA adapter for {title}",
        "",
        f"A LoRA adapter fine-tuned for {card.domain}.",
        "",
        "## Base model",
        "",
        base_model_section(config, metrics),
        "",
        "## Training data",
        "",
        *data_section(config, split_sizes),
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
        *safety_lines(metrics),
        "## Provenance",
        "",
        "| What | Value |",
        "| --- | --- |",
        *provenance_rows(config, provenance),
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
    """Write the card as the adapter folder's README.md (replacing PEFT's empty template)."""
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    provenance = read_provenance(provenance_path(config))
    path = adapter_dir(config) / "README.md"
    path.write_text(render_model_card(config, metrics, split_sizes, provenance), encoding="utf-8")
    return path
