"""The results report: a Markdown table of before/after figures, the loss curve and the card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # files only: no display needed, also on servers and in CI
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from .config import Config
from .model_card import LOWER_IS_BETTER, data_origin, metric_rows, scoring_note
from .near_copies import describe as describe_near_copies
from .near_copies import read_figures as read_near_copies
from .paths import data_dir, reports_dir
from .safety_report import safety_lines
from .social_preview import ACCENT, Card, Headline
from .social_preview import FILE_NAME as SOCIAL_PREVIEW
from .social_preview import render as render_social_preview

LOSS_CURVE = "loss_curve.png"


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def plot_loss_curve(log: list[dict[str, Any]], path: Path, ylabel: str) -> None:
    """Training loss and validation loss against the optimiser step."""
    train = [(row["step"], row["loss"]) for row in log if "loss" in row]
    validation = [(row["step"], row["eval_loss"]) for row in log if "eval_loss" in row]
    figure, axes = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    for points, label, style in ((train, "train", "-"), (validation, "validation", "o--")):
        if points:
            steps, losses = zip(*points, strict=True)
            axes.plot(steps, losses, style, label=label)
    axes.set_xlabel("optimiser step")
    axes.set_ylabel(ylabel)
    axes.set_title("LoRA fine-tuning loss")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)


CARD_METRICS = {
    "perplexity": "test perplexity",
    "rouge_l": "ROUGE-L F1",
    "chrf": "chrF",
    "general_perplexity": "general-text perplexity",
}


def _short(value: float) -> str:
    """Three significant digits, without the exponent that `.3g` gives from 1000 on."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def social_card(metrics: dict[str, Any], log: list[dict[str, Any]]) -> Card:
    """The repository card: base model -> adapter on the headline metrics, and the loss."""
    headlines = []
    for key, label in CARD_METRICS.items():
        base, adapter = metrics["base"].get(key), metrics["adapter"].get(key)
        if base is not None and adapter is not None:
            better = adapter < base if key in LOWER_IS_BETTER else adapter > base
            verdict = "no change" if adapter == base else "better" if better else "worse"
            figures = f"{_short(base)} \u2192 {_short(adapter)}"
            headlines.append(Headline(f"{label}, base -> adapter ({verdict})", figures))
    train = [(row["step"], row["loss"]) for row in log if "loss" in row]

    def plot(axes: Axes) -> None:
        steps, losses = zip(*train, strict=True)
        axes.plot(steps, losses, color=ACCENT, linewidth=2.5)
        axes.set_xlabel("optimiser step")
        axes.set_ylabel("training loss")

    return Card(headlines=headlines, plot=plot if train else None)


def _cell(text: str) -> str:
    """Show model output verbatim in a table cell: one line, Markdown and HTML escaped."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")
    escaped = escaped.replace("{", "&#123;").replace("}", "&#125;")
    return " ".join(escaped.split()) or "(empty)"


def pretrained_base_note(metrics: dict[str, Any]) -> str | None:
    """A sentence on the base model when it was pretrained here, so its figures mean something."""
    pretrained = metrics.get("pretrained_base")
    if not pretrained:
        return None
    return (
        f"The base model was pretrained here, before any task data: {pretrained['parameters']:,} "
        f"parameters, a {pretrained['vocab_size']}-token vocabulary, "
        f"{pretrained['tokens_seen']:,} tokens of {pretrained['corpus']}. Its perplexity on "
        f"{pretrained['held_out_tokens']:,} held-out tokens of Persuasion is "
        f"{pretrained['held_out_perplexity']:.1f}."
    )


def render_report(config: Config, metrics: dict[str, Any], log: list[dict[str, Any]]) -> str:
    train_losses = [row["loss"] for row in log if "loss" in row]
    eval_losses = [row["eval_loss"] for row in log if "eval_loss" in row]
    steps = max((row["step"] for row in log), default=0)
    lines = [
        f"# Results: {config.run_name or config.output_dir.name}",
        "",
        f"Base model `{config.model.name_or_path}`, LoRA r={config.lora.r}, {steps} optimiser "
        f"steps. {scoring_note(config, metrics)}",
        "",
        *([base, ""] if (base := pretrained_base_note(metrics)) else []),
        *([origin, ""] if (origin := data_origin(config)) else []),
        *([describe_near_copies(near), ""] if (near := read_near_copies(data_dir(config))) else []),
        "| Metric | Base model | With adapter | Change |",
        "| --- | --- | --- | --- |",
        *metric_rows(metrics),
        "",
    ]
    if train_losses and eval_losses:
        lines += [
            f"Training loss {train_losses[0]:.3f} -> {train_losses[-1]:.3f}; validation loss "
            f"{eval_losses[0]:.3f} -> {eval_losses[-1]:.3f}.",
            "",
        ]
    lines += [f"![Loss curve]({LOSS_CURVE})", ""]
    samples = metrics["samples"][: config.evaluation.num_samples_in_report]
    if samples:
        lines += [
            "## Sample generations",
            "",
            "| Prompt | Reference | Base model | With adapter |",
            "| --- | --- | --- | --- |",
            *(
                "| "
                + " | ".join(
                    _cell(sample[key]) for key in ("prompt", "reference", "base", "adapter")
                )
                + " |"
                for sample in samples
            ),
            "",
        ]
    lines += safety_lines(metrics)
    return "\n".join(lines)


def write_report(config: Config, metrics_file: Path, log_file: Path) -> Path:
    """Write reports/results.md, loss_curve.png and the social-preview card from the run."""
    directory = reports_dir(config)
    directory.mkdir(parents=True, exist_ok=True)
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    log = read_log(log_file)
    scored = "token" if config.data.format == "text" else "answer token"
    plot_loss_curve(log, directory / LOSS_CURVE, f"cross-entropy per {scored}")
    render_social_preview(social_card(metrics, log), directory / SOCIAL_PREVIEW)
    path = directory / "results.md"
    path.write_text(render_report(config, metrics, log), encoding="utf-8")
    return path
