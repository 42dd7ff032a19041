"""Bring template improvements into a generated project, keeping the owner's edits."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from genai_scaffold import DISTRIBUTION, git, signals, template_source
from genai_scaffold.answers import check_answers
from genai_scaffold.copier_bridge import Hints, update_project
from genai_scaffold.errors import DirtyWorktreeError, FilesystemError, NotAProjectError
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
    changed: list[str]


def find_project(path: Path) -> Path:
    """The generated project holding `path`: it, or the nearest parent with an answers file.

    So `update` works from any folder of a project, also a project that is a subfolder of
    a larger repository (a monorepo), whose own root has no answers file.
    """
    path = path.resolve()
    for folder in (path, *path.parents):
        if (folder / ANSWERS_FILE).is_file():
            return folder
    raise NotAProjectError(
        f"{path} is not inside a generated project (no {ANSWERS_FILE} here or above)",
        hint="run it from the project's folder, or pass the project's path",
    )


def read_answers(project: Path) -> dict[str, Any]:
    answers_file = project / ANSWERS_FILE
    if not answers_file.is_file():
        raise NotAProjectError(
            f"{project} is not a generated project (no {ANSWERS_FILE})",
            hint="run update from the project's root folder, or pass its path",
        )
    try:
        recorded = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise NotAProjectError(
            f"{answers_file} is not valid YAML: {str(error).splitlines()[0]}",
            hint="restore it from git (git checkout -- .copier-answers.yml)",
        ) from error
    if not isinstance(recorded, dict):
        recorded = {}
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


def installed_stand_in_for(recorded_source: str) -> Path | None:
    """The installed bundle, refreshed, if the project records the template this tool ships.

    With it, git reads the recorded URL from the bundle: the update is offline and
    takes exactly the installed release. None leaves the recorded source to git.
    """
    if not template_source.is_installed_template(recorded_source):
        return None
    return template_source.installed_stand_in()


def _local_questionnaire(recorded_source: str) -> Questionnaire | None:
    """The questionnaire behind a recorded source, when it can be read without git."""
    if template_source.is_installed_template(recorded_source):
        return Questionnaire(template_source.embedded_root())
    source = Path(recorded_source).expanduser()
    if (source / "copier.yml").is_file():
        return Questionnaire(source)
    return None


def conflicted_files(project: Path) -> list[str]:
    """Files an update changed that now hold conflict markers (relative to `project`)."""
    return sorted(
        path
        for path in git.uncommitted_paths_under(project)
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
    source, commit = str(recorded["_src_path"]), str(recorded["_commit"])
    stand_in = installed_stand_in_for(source)
    ref = vcs_ref
    if ref is None and stand_in is not None:
        ref = template_source.ref_to_render(stand_in)
    if questionnaire := _local_questionnaire(source):
        answers = check_answers(answers, questionnaire, str(recorded["kind"]))
    hints = Hints(
        fetch=f"the project's template source ({source}) cannot be read; "
        "reinstall genai-scaffold, or fix _src_path in " + ANSWERS_FILE,
        revision="check --vcs-ref (git tag -l in the template lists its releases)"
        if vcs_ref
        else f"this project was generated from template version {commit}, which the "
        f"installed template lacks: upgrade genai-scaffold (pip install -U {DISTRIBUTION})",
    )
    try:
        update_project(
            project,
            answers,
            vcs_ref=ref,
            defaults=defaults,
            hints=hints,
            recorded_source=source,
            stand_in=stand_in,
        )
    except OSError as error:
        signals.raise_interrupt_behind(error)
        raise FilesystemError.from_os_error(error, project) from error
    return UpdateResult(
        old_version=commit,
        new_version=str(read_answers(project)["_commit"]),
        conflicts=conflicted_files(project),
        changed=git.uncommitted_paths_under(project),
    )


def preview_update(
    project: Path,
    *,
    answers: Mapping[str, Any],
    vcs_ref: str | None = None,
    defaults: bool = False,
) -> UpdateResult:
    """What `update` would change, found by updating a throwaway clone; `project` is untouched.

    Copier's own pretend mode does not cover updates, so the update runs for real in a
    clone of the project's repository (its committed state, which is all there is: the
    tree must be clean), and the clone is removed afterwards.
    """
    read_answers(project)
    _check_clean_repository(project)
    top = git.toplevel(project)
    with tempfile.TemporaryDirectory(prefix="genai-scaffold-pretend-") as scratch:
        clone = Path(scratch) / top.name
        git.clone_local(top, clone)
        return update(
            clone / project.relative_to(top), answers=answers, vcs_ref=vcs_ref, defaults=defaults
        )
