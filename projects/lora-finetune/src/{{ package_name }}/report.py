"""The results report: a Markdown table of before/after figures and the loss curve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # files only: no display needed, also on servers and in CI
import matplotlib.pyplot as plt

from .config import Config
from .model_card import data_origin, metric_rows, scoring_note
from .paths import reports_dir

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


def _cell(text: str) -> str:
    """Show model output verbatim in a table cell: one line, Markdown and HTML escaped."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")
    escaped = escaped.replace("{", "&#123;").replace("}", "&#125;")
    return " ".join(escaped.split()) or "(empty)"


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
        *([origin, ""] if (origin := data_origin(config)) else []),
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
    return "\n".join(lines)


def write_report(config: Config, metrics_file: Path, log_file: Path) -> Path:
    """Write reports/results.md and reports/loss_curve.png from the run's metrics."""
    directory = reports_dir(config)
    directory.mkdir(parents=True, exist_ok=True)
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    log = read_log(log_file)
    scored = "token" if config.data.format == "text" else "answer token"
    plot_loss_curve(log, directory / LOSS_CURVE, f"cross-entropy per {scored}")
    path = directory / "results.md"
    path.write_text(render_report(config, metrics, log), encoding="utf-8")
    return path
