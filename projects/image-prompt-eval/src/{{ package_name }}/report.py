"""Write reports/report.md: tables and matplotlib figures from an analysis, and a contact sheet.

Figures are SVG: text that diffs well in git, renders on GitHub, and is byte-for-byte
reproducible (fixed element ids, no timestamp). The contact sheet, a grid of the images
themselves, is a JPEG.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display: must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont


def _save(fig: Figure, path: Path) -> None:
    # A fixed hash salt gives stable element ids; Date=None drops the timestamp.
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": "report", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    # Path data ends lines with a space; strip it so text linters leave the file alone.
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def contact_sheet(
    images: dict[str, list[tuple[str, Path]]], path: Path, thumb: int = 96, columns: int = 8
) -> Path:
    """One labelled block of thumbnails per system, prompts in the same order in each."""
    font = ImageFont.load_default()
    label_height = 22
    blocks = []
    for system, entries in images.items():
        rows = -(-len(entries) // columns)
        block = Image.new("RGB", (columns * thumb, label_height + rows * thumb), "white")
        ImageDraw.Draw(block).text((4, 4), system, fill="black", font=font)
        for index, (_, image_path) in enumerate(entries):
            with Image.open(image_path) as source:
                tile = source.convert("RGB").resize((thumb, thumb), Image.Resampling.LANCZOS)
            block.paste(
                tile, ((index % columns) * thumb, label_height + (index // columns) * thumb)
            )
        blocks.append(block)
    sheet = Image.new("RGB", (columns * thumb, sum(b.height for b in blocks)), "white")
    offset = 0
    for block in blocks:
        sheet.paste(block, (0, offset))
        offset += block.height
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, format="JPEG", quality=88)
    return path


def _fmt(row: dict[str, Any]) -> str:
    if row["mean"] is None:
        return "-"
    return f"{row['mean']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"


def _systems_figure(analysis: dict[str, Any], path: Path) -> None:
    criteria = analysis["criteria"]
    fig, axes = plt.subplots(
        1,
        len(criteria),
        figsize=(3.2 * len(criteria), 2.6),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    for ax, criterion in zip(axes[0], criteria, strict=True):
        rows = analysis["systems"][criterion]
        labels = [row["group"][0] for row in rows]
        means = [row["mean"] for row in rows]
        errors = [
            [m - row["ci_low"] for m, row in zip(means, rows, strict=True)],
            [row["ci_high"] - m for m, row in zip(means, rows, strict=True)],
        ]
        ax.errorbar(means, range(len(rows)), xerr=errors, fmt="o", capsize=4, color="#4063d8")
        ax.set_yticks(range(len(rows)), labels)
        ax.set_xlim(1, 5)
        ax.set_title(criterion.replace("_", " "))
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("Mean score per system (95% bootstrap CI)")
    _save(fig, path)


def _factor_figure(analysis: dict[str, Any], criterion: str, path: Path) -> None:
    factors = analysis["factors"][criterion]
    fig, axes = plt.subplots(
        1,
        len(factors),
        figsize=(3.4 * len(factors), 2.8),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    for ax, (factor, rows) in zip(axes[0], factors.items(), strict=True):
        levels = sorted({row["group"][0] for row in rows})
        systems = sorted({row["group"][1] for row in rows})
        width = 0.8 / len(systems)
        for k, system in enumerate(systems):
            picked = {row["group"][0]: row for row in rows if row["group"][1] == system}
            xs = [
                i + (k - (len(systems) - 1) / 2) * width
                for i, level in enumerate(levels)
                if level in picked
            ]
            ys = [picked[level]["mean"] for level in levels if level in picked]
            lo = [
                picked[level]["mean"] - picked[level]["ci_low"]
                for level in levels
                if level in picked
            ]
            hi = [
                picked[level]["ci_high"] - picked[level]["mean"]
                for level in levels
                if level in picked
            ]
            ax.bar(xs, ys, width=width, yerr=[lo, hi], capsize=3, label=system)
        ax.set_xticks(range(len(levels)), levels, rotation=30, ha="right")
        ax.set_ylim(1, 5)
        ax.set_title(factor)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"{criterion.replace('_', ' ')} by factor level")
    _save(fig, path)


def _ranking_figure(ranking: list[dict[str, Any]], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 0.6 + 0.5 * len(ranking)), layout="constrained")
    names = [row["system"] for row in ranking][::-1]
    elo = [row["elo"] for row in ranking][::-1]
    lo = [row["elo"] - row["elo_low"] for row in ranking][::-1]
    hi = [row["elo_high"] - row["elo"] for row in ranking][::-1]
    ax.errorbar(elo, range(len(names)), xerr=[lo, hi], fmt="s", capsize=4, color="#d84063")
    ax.set_yticks(range(len(names)), names)
    ax.axvline(1500, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("Elo-scaled Bradley-Terry score (95% bootstrap CI)")
    _save(fig, path)


def write_report(
    analysis: dict[str, Any], out: Path, title: str, sheet: Path | None = None
) -> Path:
    """report.md and its figures under `out`; analysis.json beside them for other tools."""
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    (out / "analysis.json").write_text(
        json.dumps(analysis, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    lines = [f"# {title}", ""]
    lines.append(
        f"{analysis['ratings']} Likert ratings from {analysis['raters']} raters on "
        f"{analysis['items']} images, criteria: {', '.join(analysis['criteria'])}."
        + (f" {analysis['pairwise']['votes']} pairwise votes." if analysis["pairwise"] else "")
    )
    lines.append("")
    if sheet is not None:
        lines += ["## The series", "", f"![Contact sheet](figures/{sheet.name})", ""]
    _systems_figure(analysis, figures / "systems.svg")
    lines += [
        "## Scores per system",
        "",
        "Mean of per-image means, with 95% bootstrap CIs over images.",
        "",
    ]
    systems = sorted({row["group"][0] for rows in analysis["systems"].values() for row in rows})
    lines.append("| System | " + " | ".join(analysis["criteria"]) + " |")
    lines.append("| --- |" + " --- |" * len(analysis["criteria"]))
    for system in systems:
        cells = []
        for criterion in analysis["criteria"]:
            row = next(r for r in analysis["systems"][criterion] if r["group"][0] == system)
            cells.append(_fmt(row))
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    lines += ["", "![Scores per system](figures/systems.svg)", ""]
    for criterion in analysis["criteria"]:
        factors = analysis["factors"][criterion]
        if not factors:
            continue
        name = f"factors-{criterion}.svg"
        _factor_figure(analysis, criterion, figures / name)
        lines += [f"## {criterion.replace('_', ' ').capitalize()} by factor level", ""]
        lines.append("| Factor | Level | " + " | ".join(systems) + " |")
        lines.append("| --- | --- |" + " --- |" * len(systems))
        for factor, rows in factors.items():
            for level in sorted({row["group"][0] for row in rows}):
                cells = [
                    _fmt(next((r for r in rows if r["group"] == [level, s]), {"mean": None}))
                    for s in systems
                ]
                lines.append(f"| {factor} | {level} | " + " | ".join(cells) + " |")
        lines += ["", f"![{criterion} by factor level](figures/{name})", ""]
    if analysis["pairwise"]:
        pairwise = analysis["pairwise"]
        _ranking_figure(pairwise["ranking"], figures / "ranking.svg")
        lines += [
            "## Pairwise ranking (Bradley-Terry)",
            "",
            f"{pairwise['votes']} votes, {pairwise['ties']} ties (counted as half a win each).",
            "",
            "| Rank | System | BT score [95% CI] | Elo [95% CI] |",
            "| --- | --- | --- | --- |",
        ]
        for rank, row in enumerate(pairwise["ranking"], start=1):
            score = f"{row['bt_score']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
            elo = f"{row['elo']:.0f} [{row['elo_low']:.0f}, {row['elo_high']:.0f}]"
            lines.append(f"| {rank} | {row['system']} | {score} | {elo} |")
        lines += ["", "![Ranking](figures/ranking.svg)", ""]
    lines += [
        "## Inter-rater agreement",
        "",
        "| Criterion | Krippendorff alpha: nominal | ordinal | interval "
        "| Fleiss kappa (items) | mean Cohen kappa (pairs) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for criterion, stats in analysis["agreement"].items():
        alpha = stats["krippendorff_alpha"]
        kappas = [pair["kappa"] for pair in stats["cohen_kappa"] if pair["kappa"] is not None]
        cohen = f"{sum(kappas) / len(kappas):.3f} ({len(kappas)})" if kappas else "-"
        fleiss = (
            "-"
            if stats["fleiss_kappa"] is None
            else f"{stats['fleiss_kappa']:.3f} ({stats['fleiss_items']})"
        )
        cells = [
            "-" if alpha[level] is None else f"{alpha[level]:.3f}"
            for level in ("nominal", "ordinal", "interval")
        ]
        lines.append(f"| {criterion} | " + " | ".join(cells) + f" | {fleiss} | {cohen} |")
    lines += [
        "",
        "## Rater quality",
        "",
        "| Rater | Ratings | Mean score | Spearman rho with others "
        "| Attention checks failed | Flags |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in analysis["raters_quality"]:
        rho = "-" if row["agreement_rho"] is None else f"{row['agreement_rho']:.2f}"
        flags = ", ".join(row["flags"]) or "-"
        lines.append(
            f"| {row['rater_id']} | {row['ratings']} | {row['mean_score']:.2f} | {rho} "
            f"| {row['attention_failed']} / {row['attention_checks']} | {flags} |"
        )
    lines.append("")
    report = out / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report
