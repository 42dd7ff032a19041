"""The offline demo: expand, generate, rate with simulated raters, analyse, report."""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from .analysis import Options, analyze
from .config import Study, parse_study
from .exchange import Item, read_attention, read_items, read_likert, read_pairwise
from .export import export
from .generate import Workspace, generate
from .manifest import Manifest
from .recovery import Shown, planted_scores, recovery
from .report import contact_sheet, write_report
from .series import Prompt, expand, write_prompts
from .simulate import DEMO_PROFILES, RaterProfile, rate_all
from .study import open_study
from .webapp import create_app

log = logging.getLogger(__name__)


def demo_study() -> Study:
    """The study the demo runs: shipped with the package so its figures never drift."""
    resource = files(__package__) / "data" / "demo_study.yaml"
    return parse_study(resource.read_text(encoding="utf-8"), "demo_study.yaml")


def sheet_images(
    workspace: Workspace, prompts: list[Prompt]
) -> dict[str, list[tuple[list[str], Path]]]:
    """Each system's images in prompt-table order, labelled with the prompt's factor levels."""
    records = {record.item_id: record for record in Manifest(workspace.manifest).records()}
    systems = sorted({record.system for record in records.values()})
    return {
        system: [
            (list(prompt.levels.values()), workspace.root / records[prompt.item_id(system)].path)
            for prompt in prompts
            if prompt.item_id(system) in records
        ]
        for system in systems
    }


def planted_recovery(
    study: Study,
    workspace: Workspace,
    prompts: list[Prompt],
    items: dict[str, Item],
    profiles: dict[str, RaterProfile],
    analysis: dict[str, Any],
) -> dict[str, Any]:
    """The analysis's estimates beside the values the simulated raters were built on."""
    excluded = {row["rater_id"] for row in analysis["exclusions"]["raters"]}
    kept = [profile for rater, profile in profiles.items() if rater not in excluded]
    records = {record.item_id: record for record in Manifest(workspace.manifest).records()}
    shown = {
        prompt.item_id(system): Shown(
            workspace.root / records[prompt.item_id(system)].path, prompt.text, study.image_size
        )
        for prompt in prompts
        for system in {item.system for item in items.values()}
        if prompt.item_id(system) in items
    }
    planted = planted_scores(shown, kept, analysis["criteria"], tuple(analysis["scale"]))
    return recovery(analysis, planted, items)


def run_demo(workdir: Path, reports: Path, progress: bool = True) -> Path:
    """Run the whole pipeline offline and return the report's path.

    The simulated raters go through the web app's JSON API (in process), so the demo
    exercises the same validation and storage as real raters.
    """
    study = demo_study()
    workspace = Workspace(workdir)
    prompts = expand(study.series, study.seed)
    write_prompts(prompts, list(study.series.factors), workspace.prompts)
    generate(study, prompts, workspace, progress=progress)
    store = open_study(study, workspace)
    profiles = {}
    with TestClient(create_app(study, workspace)) as client:
        for index, (rater, profile) in enumerate(zip(store.raters(), DEMO_PROFILES, strict=False)):
            answered = rate_all(client, rater.token, profile, seed=study.seed * 100 + index)
            profiles[rater.rater_id] = profile
            log.info("simulated rater %s answered %d screens", rater.rater_id, answered)
    files_out = export(study, workspace, workspace.root / "export")
    items = read_items(files_out.items)
    analysis = analyze(
        read_likert(files_out.likert),
        read_pairwise(files_out.pairwise) if files_out.pairwise else None,
        items,
        read_attention(files_out.attention),
        Options(seed=study.seed),
    )
    analysis["recovery"] = planted_recovery(study, workspace, prompts, items, profiles, analysis)
    sheet = contact_sheet(
        sheet_images(workspace, prompts), reports / "figures" / "contact_sheet.jpg"
    )
    return write_report(analysis, reports, title=f"Demo report: {study.name}", sheet=sheet)
