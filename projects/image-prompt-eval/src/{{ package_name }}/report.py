"""Write reports/report.md: tables and matplotlib figures from an analysis, and a contact sheet.

Figures are SVG: text that diffs well in git, renders on GitHub, and is byte-for-byte
reproducible (fixed element ids, no timestamp). The contact sheet, a grid of the images
themselves, is a JPEG. The social-preview card beside report.md is a PNG.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display: must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

from .social_preview import ACCENT, Card, Headline
from .social_preview import FILE_NAME as SOCIAL_PREVIEW
from .social_preview import render as render_social_preview


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
    images: dict[str, list[tuple[list[str], Path]]],
    path: Path,
    thumb: int = 112,
    columns: int = 8,
) -> Path:
    """One labelled block of thumbnails per system, prompts in the same order in each.

    Under each thumbnail, one line per factor gives the prompt's level, so a reader can
    check what each image was asked to show.
    """
    font = ImageFont.load_default()
    line = 11
    caption = (
        line * max((len(labels) for entries in images.values() for labels, _ in entries), default=0)
        + 4
    )
    label_height = 22
    blocks = []
    for system, entries in images.items():
        rows = -(-len(entries) // columns)
        cell = thumb + caption
        block = Image.new("RGB", (columns * thumb, label_height + rows * cell), "white")
        draw = ImageDraw.Draw(block)
        draw.text((4, 4), f"system: {system}", fill="black", font=font)
        for index, (labels, image_path) in enumerate(entries):
            with Image.open(image_path) as source:
                tile = source.convert("RGB").resize((thumb, thumb), Image.Resampling.LANCZOS)
            x, y = (index % columns) * thumb, label_height + (index // columns) * cell
            block.paste(tile, (x, y))
            for k, label in enumerate(labels):
                draw.text((x + 3, y + thumb + 2 + k * line), label[:18], fill="#222222", font=font)
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
    criteria = [c for c in analysis["criteria"] if analysis["systems"].get(c)]
    low, high = analysis["scale"]
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
        ax.set_xlim(low, high)
        ax.set_xlabel(f"mean score ({low}-{high})")
        ax.set_title(criterion.replace("_", " "))
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_ylabel("system")
    fig.suptitle("Mean score per system (95% rater-and-prompt bootstrap CI)")
    _save(fig, path)


def _factor_figure(analysis: dict[str, Any], criterion: str, path: Path) -> None:
    factors = analysis["factors"][criterion]
    low, high = analysis["scale"]
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
            # Bars grow from the scale's minimum, so their lengths compare honestly.
            heights = [y - low for y in ys]
            ax.bar(xs, heights, bottom=low, width=width, yerr=[lo, hi], capsize=3, label=system)
        ax.set_xticks(range(len(levels)), levels, rotation=30, ha="right")
        ax.set_ylim(low, high)
        ax.set_xlabel(factor)
    axes[0][0].set_ylabel(f"mean score ({low}-{high})")
    axes[0][0].legend(fontsize=8, title="system")
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
    ax.set_xlabel("Elo-scaled Bradley-Terry score (95% rater-and-prompt bootstrap CI)")
    ax.set_ylabel("system")
    _save(fig, path)


def _differences_figure(analysis: dict[str, Any], criteria: list[str], path: Path) -> None:
    """Every paired difference with its interval, against the line of no difference."""
    rows = [
        (f"{criterion.replace('_', ' ')}: {row['system_a']} - {row['system_b']}", row)
        for criterion in criteria
        for row in analysis["differences"][criterion]
        if row["ci_low"] is not None
    ][::-1]
    fig, ax = plt.subplots(figsize=(6, 0.7 + 0.45 * len(rows)), layout="constrained")
    estimates = [row["difference"] for _, row in rows]
    errors = [
        [row["difference"] - row["ci_low"] for _, row in rows],
        [row["ci_high"] - row["difference"] for _, row in rows],
    ]
    ax.errorbar(estimates, range(len(rows)), xerr=errors, fmt="o", capsize=4, color="#4063d8")
    ax.axvline(0, color="grey", lw=0.8, ls="--")
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    ax.set_xlabel("difference in mean score (95% CI, clustered by rater and prompt)")
    ax.grid(axis="x", alpha=0.3)
    _save(fig, path)


def _agreement_figure(analysis: dict[str, Any], path: Path) -> None:
    """Krippendorff's alpha per criterion at each level of measurement, with intervals."""
    levels = ("nominal", "ordinal", "interval")
    criteria = list(analysis["agreement"])
    fig, ax = plt.subplots(figsize=(6, 0.9 + 0.6 * len(criteria)), layout="constrained")
    height = 0.8 / len(levels)
    colours = ("#999999", "#4063d8", "#d84063")
    for k, (level, colour) in enumerate(zip(levels, colours, strict=True)):
        ys, xs, lo, hi = [], [], [], []
        for i, criterion in enumerate(criteria):
            entry = analysis["agreement"][criterion]["krippendorff_alpha"][level]
            if entry["alpha"] is None or entry.get("ci_low") is None:
                continue
            ys.append(i + (k - 1) * height)
            xs.append(entry["alpha"])
            lo.append(entry["alpha"] - entry["ci_low"])
            hi.append(entry["ci_high"] - entry["alpha"])
        ax.errorbar(xs, ys, xerr=[lo, hi], fmt="o", capsize=3, color=colour, label=level)
    ax.axvline(0, color="grey", lw=0.8, ls="--")
    ax.set_yticks(range(len(criteria)), [c.replace("_", " ") for c in criteria])
    ax.set_xlim(min(-0.1, ax.get_xlim()[0]), 1)
    ax.set_xlabel("Krippendorff's alpha (95% CI, resampling prompts); 1 = perfect agreement")
    ax.legend(fontsize=8, title="level", loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="x", alpha=0.3)
    _save(fig, path)


def social_card(analysis: dict[str, Any]) -> Card:
    """The repository card: the study's size, the winner and how far the raters agree."""
    headlines = [
        Headline(
            f"ratings from {analysis['raters']} raters on {analysis['items']} images",
            str(analysis["ratings"]),
        )
    ]
    criterion = analysis["criteria"][0]
    ranking = analysis["pairwise"]["ranking"] if analysis["pairwise"] else []
    means = sorted(analysis["systems"].get(criterion, []), key=lambda row: -row["mean"])
    if ranking:
        top = ranking[0]
        headlines.append(
            Headline(
                f"ranked first in {analysis['pairwise']['votes']} votes, Elo {top['elo']:.0f} "
                f"[{top['elo_low']:.0f}, {top['elo_high']:.0f}]",
                top["system"],
            )
        )
    elif means:
        headlines.append(Headline(f"highest mean {criterion}", means[0]["group"][0]))
    alpha = analysis["agreement"].get(criterion, {}).get("krippendorff_alpha", {})
    if alpha.get("ordinal", {}).get("alpha") is not None:
        headlines.append(
            Headline(
                f"Krippendorff's alpha (ordinal), {criterion.replace('_', ' ')}",
                f"{alpha['ordinal']['alpha']:.2f}",
            )
        )

    def plot_ranking(axes: Axes) -> None:
        names = [row["system"] for row in ranking][::-1]
        elo = [row["elo"] for row in ranking][::-1]
        low = [row["elo"] - row["elo_low"] for row in ranking][::-1]
        high = [row["elo_high"] - row["elo"] for row in ranking][::-1]
        axes.errorbar(
            elo,
            range(len(names)),
            xerr=[low, high],
            fmt="s",
            capsize=6,
            color=ACCENT,
            markersize=9,
        )
        axes.set_yticks(range(len(names)), names)
        axes.set_ylim(-0.6, len(names) - 0.4)
        axes.set_xlabel("Bradley-Terry score, Elo scale (95% CI)")

    def plot_means(axes: Axes) -> None:
        names = [row["group"][0] for row in means][::-1]
        axes.barh(names, [row["mean"] for row in means][::-1], color=ACCENT)
        axes.set_xlim(*analysis["scale"])
        axes.set_xlabel(f"mean {criterion.replace('_', ' ')}")

    plot = plot_ranking if ranking else plot_means if means else None
    return Card(headlines=headlines, plot=plot)


def _interval(row: dict[str, Any], key: str = "difference") -> str:
    if row["ci_low"] is None:
        return f"{row[key]:+.2f} [-]"
    return f"{row[key]:+.2f} [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}]"


def _alpha(entry: dict[str, float | None]) -> str:
    if entry["alpha"] is None:
        return "-"
    if entry.get("ci_low") is None:
        return f"{entry['alpha']:.3f}"
    return f"{entry['alpha']:.3f} [{entry['ci_low']:.2f}, {entry['ci_high']:.2f}]"


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def write_report(
    analysis: dict[str, Any], out: Path, title: str, sheet: Path | None = None
) -> Path:
    """report.md and its figures under `out`; analysis.json and the social card beside them."""
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    (out / "analysis.json").write_text(
        json.dumps(analysis, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    lines = [f"# {title}", ""]
    lines.append(
        f"{analysis['ratings']} Likert ratings from {analysis['raters']} raters on "
        f"{analysis['items']} images, criteria: {', '.join(analysis['criteria'])}, "
        f"scale {analysis['scale'][0]}-{analysis['scale'][1]}."
        + (f" {analysis['pairwise']['votes']} pairwise votes." if analysis["pairwise"] else "")
    )
    lines.append("")
    for note in analysis["notes"]:
        lines += [f"> {note}", ""]
    if analysis["warnings"]:
        lines += ["**Small-sample warnings:**", ""]
        lines += [f"- {warning}" for warning in analysis["warnings"]]
        lines.append("")
    if sheet is not None:
        lines += [
            "## The series",
            "",
            "Each system's images, labelled with the prompt's factor levels.",
            "",
            f"![Contact sheet](figures/{sheet.name})",
            "",
        ]
    lines += _exclusions(analysis)
    if any(analysis["systems"].values()):
        lines += _systems_section(analysis, figures)
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
    if analysis.get("clipscore"):
        lines += _clipscore_section(analysis["clipscore"])
    if analysis.get("recovery"):
        lines += _recovery_section(analysis["recovery"])
    lines += _agreement_section(analysis, figures)
    lines += _quality_section(analysis)
    lines += _methods(analysis)
    report = out / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    render_social_preview(social_card(analysis), out / SOCIAL_PREVIEW)
    return report


def _exclusions(analysis: dict[str, Any]) -> list[str]:
    exclusions = analysis["exclusions"]
    lines = ["## Exclusions", ""]
    if not exclusions["raters"]:
        return [*lines, "No rater was flagged; every rating is analysed.", ""]
    verb = "excluded" if exclusions["exclude_flagged"] else "flagged but kept"
    lines += [
        f"Raters {verb} ({exclusions['ratings_dropped']} ratings and "
        f"{exclusions['votes_dropped']} votes set aside):",
        "",
        "| Rater | Why |",
        "| --- | --- |",
    ]
    for row in exclusions["raters"]:
        reasons = "; ".join(_reason(code, exclusions) for code in row["reasons"])
        lines.append(f"| {row['rater_id']} | {reasons} |")
    return [*lines, ""]


def _reason(code: str, exclusions: dict[str, Any]) -> str:
    from .stats.quality import REASONS

    if code == "speeder":
        return f"median response time below {exclusions['min_response_ms']} ms"
    return REASONS.get(code, code)


def _systems_section(analysis: dict[str, Any], figures: Path) -> list[str]:
    _systems_figure(analysis, figures / "systems.svg")
    criteria = [c for c in analysis["criteria"] if analysis["systems"].get(c)]
    lines = [
        "## Scores per system",
        "",
        "Mean rating, with 95% intervals from resampling raters and prompts.",
        "",
    ]
    systems = sorted({row["group"][0] for c in criteria for row in analysis["systems"][c]})
    lines.append("| System | " + " | ".join(criteria) + " |")
    lines.append("| --- |" + " --- |" * len(criteria))
    for system in systems:
        cells = []
        for criterion in criteria:
            row = next((r for r in analysis["systems"][criterion] if r["group"][0] == system), None)
            cells.append(_fmt(row or {"mean": None}))
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    lines += ["", "![Scores per system](figures/systems.svg)", ""]
    if any(analysis["differences"].values()):
        lines += [
            "## Paired differences between systems",
            "",
            "Each difference compares the two systems' images of the same prompts, so "
            "prompt difficulty cancels; its interval is clustered by rater and by prompt. "
            "An interval that excludes 0 marks a difference the study can tell apart from "
            "noise.",
            "",
            "| Criterion | Systems | Difference [95% CI] |",
            "| --- | --- | --- |",
        ]
        for criterion in criteria:
            for row in analysis["differences"][criterion]:
                pair = f"{row['system_a']} - {row['system_b']}"
                lines.append(f"| {criterion} | {pair} | {_interval(row)} |")
        lines.append("")
        if any(row["ci_low"] is not None for c in criteria for row in analysis["differences"][c]):
            _differences_figure(analysis, criteria, figures / "differences.svg")
            lines += ["![Paired differences](figures/differences.svg)", ""]
    for criterion in criteria:
        factors = analysis["factors"][criterion]
        if not factors:
            continue
        name = f"factors-{criterion}.svg"
        _factor_figure(analysis, criterion, figures / name)
        lines += [f"## {criterion.replace('_', ' ').capitalize()} by factor level", ""]
        lines.append("| Factor | Level | All systems | " + " | ".join(systems) + " |")
        lines.append("| --- | --- | --- |" + " --- |" * len(systems))
        for factor, rows in factors.items():
            overall = {row["level"]: row for row in analysis["levels"][criterion][factor]}
            for level in sorted({row["group"][0] for row in rows}):
                cells = [_fmt(overall.get(level, {"mean": None}))]
                cells += [
                    _fmt(next((r for r in rows if r["group"] == [level, s]), {"mean": None}))
                    for s in systems
                ]
                lines.append(f"| {factor} | {level} | " + " | ".join(cells) + " |")
        lines += ["", f"![{criterion} by factor level](figures/{name})", ""]
    return lines


def _clipscore_section(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## CLIPScore beside human judgment",
        "",
        "CLIPScore (2.5 x the cosine of CLIP's image and prompt embeddings) per image, and "
        "its Spearman correlation with the mean human prompt-alignment score of the same "
        "images, within each system. It is a proxy for alignment only: weak on counting, "
        "spatial relations and negation, and on a different scale for each CLIP model.",
        "",
        "| System | Images | Mean CLIPScore | Spearman rho with human alignment |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['system']} | {row['images']} | {row['mean_clipscore']:.3f} "
            f"| {_number(row['spearman_rho'], 2)} |"
        )
    return [*lines, ""]


def _recovery_section(recovery: dict[str, Any]) -> list[str]:
    lines = [
        "## Parameter recovery",
        "",
        "These ratings come from simulated raters, so every effect above was planted by "
        "the simulator; the report can only show that the analysis gets it back. The "
        "planted value is what the raters kept by the analysis would give on average "
        "(the simulator's score for the pixels they were served, plus each rater's bias, "
        "rounded onto the scale under that rater's noise). "
        f"**{recovery['covered']} of {recovery['total']} intervals cover the planted "
        "value.** They are built to generalise to new prompts and raters, so on these "
        "very images and raters they should cover more than 95% of the time.",
        "",
        "| Criterion | Mean of (system, factor level) or difference | Planted "
        "| Estimate [95% CI] | Covered |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in recovery["rows"]:
        fmt = "+.2f" if row["kind"] == "difference" else ".2f"
        estimate = (
            f"{row['estimate']:{fmt}} [{row['ci_low']:{fmt}}, {row['ci_high']:{fmt}}]"
            if row["ci_low"] is not None
            else f"{row['estimate']:{fmt}} [-]"
        )
        lines.append(
            f"| {row['criterion']} | {row['effect']} | {row['planted']:{fmt}} | {estimate} "
            f"| {'yes' if row['covered'] else '**no**'} |"
        )
    return [*lines, ""]


def _agreement_section(analysis: dict[str, Any], figures: Path) -> list[str]:
    lines = [
        "## Inter-rater agreement",
        "",
        "Krippendorff's alpha with 95% intervals from resampling prompts; Cohen's kappa "
        "is the mean over rater pairs with 5 or more shared images, plain and with "
        "quadratic weights (near misses on an ordinal scale count as partial agreement).",
        "",
        "| Criterion | alpha: nominal | ordinal | interval | Fleiss kappa (items) "
        "| Cohen kappa | weighted kappa (pairs) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for criterion, stats in analysis["agreement"].items():
        alpha = stats["krippendorff_alpha"]
        cohen = stats["cohen_kappa"]
        fleiss = (
            "-"
            if stats["fleiss_kappa"] is None
            else f"{stats['fleiss_kappa']:.3f} ({stats['fleiss_items']})"
        )
        cells = [_alpha(alpha[level]) for level in ("nominal", "ordinal", "interval")]
        weighted = f"{_number(cohen['mean_quadratic'])} ({cohen['pairs']})"
        lines.append(
            f"| {criterion} | "
            + " | ".join(cells)
            + f" | {fleiss} | {_number(cohen['mean'])} | {weighted} |"
        )
    lines.append("")
    if analysis["agreement"]:
        _agreement_figure(analysis, figures / "agreement.svg")
        lines += ["![Inter-rater agreement](figures/agreement.svg)", ""]
    return lines


def _quality_section(analysis: dict[str, Any]) -> list[str]:
    lines = [
        "## Rater quality",
        "",
        "| Rater | Ratings | Mean score | Spearman rho with others "
        "| Attention checks failed | Median response | Flags |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in analysis["raters_quality"]:
        rho = "-" if row["agreement_rho"] is None else f"{row['agreement_rho']:.2f}"
        flags = ", ".join(row["flags"]) or "-"
        median = "-" if row["median_response_ms"] is None else f"{row['median_response_ms']} ms"
        lines.append(
            f"| {row['rater_id']} | {row['ratings']} | {row['mean_score']:.2f} | {rho} "
            f"| {row['attention_failed']} / {row['attention_checks']} | {median} | {flags} |"
        )
    return [*lines, ""]


def _methods(analysis: dict[str, Any]) -> list[str]:
    method = analysis["method"]
    low, high = analysis["scale"]
    return [
        "## Methods",
        "",
        f"- **Scores.** Each system's score is its mean rating on the {low}-{high} scale. "
        "Intervals come from a cluster bootstrap that resamples raters and prompts "
        f"independently, with replacement ({method['resamples']} resamples, seed "
        f"{method['seed']}; Owen's pigeonhole bootstrap): a rater's leniency and a "
        "prompt's difficulty are shared by all their ratings, so resampling single ratings "
        "would give intervals that are too narrow.",
        "- **Paired differences** between systems compare their images of the same "
        "prompts. Their standard error is clustered by prompt (each prompt's pair "
        "together) plus what clustering by rater adds beyond single ratings, when raters "
        "prefer a system (two-way cluster-robust, Cameron, Gelbach and Miller 2011), with "
        "a t interval on Welch-Satterthwaite degrees of freedom. The bootstrap above counts "
        "rating noise three times, which barely shows in a mean but makes a difference's "
        "interval far too wide, since there leniency and difficulty cancel and noise is "
        "most of what is left (`reports/calibration.md` measures both by simulation).",
        "- **Factor levels** are means over the prompts with that level, per system and "
        "over all systems, with the same bootstrap.",
        "- **Ranking.** Bradley-Terry maximum likelihood (ties as half a win, a 1e-3 ridge "
        "keeps a clean sweep finite), refitted on every resample by batched Newton steps; "
        "Elo = 1500 + 400 log10(odds).",
        "- **Agreement.** Krippendorff's alpha from the coincidence matrix at nominal, "
        "ordinal and interval level (missing ratings allowed), with an interval from "
        "resampling prompts; Fleiss' kappa on the images with the most common number of "
        "ratings; Cohen's kappa per rater pair, plain and quadratic-weighted.",
        "- **Exclusions.** Raters are flagged for failing more than half their attention "
        "checks, a Spearman correlation under 0.2 with the other raters' mean, a score "
        "standard deviation under 0.3, or a median response time under "
        f"{analysis['exclusions']['min_response_ms']} ms; flagged raters are "
        + (
            "excluded before any statistic is computed."
            if analysis["exclusions"]["exclude_flagged"]
            else "kept (--keep-flagged)."
        )
        + "",
        "",
        "## Limitations",
        "",
        "- Likert means treat the scale as interval; the ordinal alpha and the weighted "
        "kappa do not, and a reader who doubts equal spacing should lean on them and on "
        "the pairwise ranking.",
        "- Percentile bootstrap intervals are approximate, and rough with fewer than about "
        "5 raters or 10 prompts per system (the warnings above say when).",
        "- Flags are judged on the same data they clean; a rater with an unusual but honest "
        "taste can be flagged for low agreement.",
        "- The prompts are a sample of what the systems will meet; effects hold for prompts "
        "like these, not for every use.",
        "",
    ]
