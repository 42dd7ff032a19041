"""Bring template improvements into a generated project, keeping the owner's edits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from genai_scaffold import git, template_source
from genai_scaffold.answers import check_known
from genai_scaffold.copier_bridge import update_project
from genai_scaffold.errors import DirtyWorktreeError, NotAProjectError
from genai_scaffold.generate import ANSWERS_FILE
from genai_scaffold.questionnaire import Questionnaire

# Copier's inline conflict markers: `<<<<<<< before updating` / `>>>>>>> after updating`.
_CONFLICT_MARKER = re.compile(r"^(<<<<<<<|>>>>>>>) ", re.MULTILINE)


@dataclass(frozen=True)
class UpdateResult:
    """The versions an update moved between, and the files left with conflicts."""

    old_version: str
    new_version: str
    conflicts: list[str]


def read_answers(project: Path) -> dict[str, Any]:
    answers_file = project / ANSWERS_FILE
    if not answers_file.is_file():
        raise NotAProjectError(
            f"{project} is not a generated project (no {ANSWERS_FILE})",
            hint="run update from the project's root folder, or pass its path",
        )
    recorded = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
    if not recorded.get("_src_path") or not recorded.get("_commit"):
        raise NotAProjectError(
            f"{ANSWERS_FILE} records no template version, so there is nothing to update from",
            hint="the project was copied from a plain folder; `copier recopy` re-renders it",
        )
    return dict(recorded)


def _check_clean_repository(project: Path) -> None:
    if not git.available() or not git.inside_work_tree(project):
        raise NotAProjectError(
            f"{project} is not a git repository, so an update could not be reviewed or undone",
            hint="git init && git add -A && git commit -m 'Generated project'",
        )
    dirty = git.uncommitted_paths(project)
    if dirty:
        shown = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
        raise DirtyWorktreeError(
            f"uncommitted changes in {shown}",
            hint="commit or stash them first, so the update's changes stand on their own",
        )


def _refresh_bundle(recorded_source: str) -> None:
    """Replace the user-level bundle with the installed release's, if the project uses it."""
    shipped = template_source.shipped_bundle()
    stable = template_source.stable_bundle_path()
    if shipped is not None and Path(recorded_source).expanduser() == stable:
        template_source.install_bundle(shipped)


def _local_questionnaire(recorded_source: str) -> Questionnaire | None:
    """The questionnaire behind a recorded source, when it can be read without git."""
    source = Path(recorded_source).expanduser()
    if source == template_source.stable_bundle_path():
        return Questionnaire(template_source.embedded_root())
    if (source / "copier.yml").is_file():
        return Questionnaire(source)
    return None


def conflicted_files(project: Path) -> list[str]:
    """Files an update changed that now hold conflict markers."""
    return sorted(
        path
        for path in git.uncommitted_paths(project)
        if (project / path).is_file()
        and _CONFLICT_MARKER.search((project / path).read_text(encoding="utf-8", errors="replace"))
    )


def update(
    project: Path,
    *,
    answers: Mapping[str, Any],
    vcs_ref: str | None = None,
    defaults: bool = False,
) -> UpdateResult:
    """Update `project` to the latest template release (or `vcs_ref`)."""
    recorded = read_answers(project)
    _check_clean_repository(project)
    _refresh_bundle(str(recorded["_src_path"]))
    if questionnaire := _local_questionnaire(str(recorded["_src_path"])):
        check_known(answers, questionnaire, str(recorded["kind"]))
    update_project(project, answers, vcs_ref=vcs_ref, defaults=defaults)
    return UpdateResult(
        old_version=str(recorded["_commit"]),
        new_version=str(read_answers(project)["_commit"]),
        conflicts=conflicted_files(project),
    )
