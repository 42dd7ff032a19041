"""Create a project: render with Copier into a staging folder, then move it into place.

Rendering next to the destination (same filesystem) makes the final step a rename, so
a failed or interrupted generation leaves the destination exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from genai_scaffold import git, signals
from genai_scaffold.answers import check_answers, shown
from genai_scaffold.copier_bridge import copy_template
from genai_scaffold.errors import DestinationError, FilesystemError, GitError, InvalidAnswerError
from genai_scaffold.questionnaire import Questionnaire
from genai_scaffold.template_source import TemplateSource

ANSWERS_FILE = ".copier-answers.yml"
NOREPLY_EMAIL = "noreply@localhost"


@dataclass(frozen=True)
class GenerationResult:
    """What `create_project` did."""

    path: Path
    answers: dict[str, Any]
    files: list[str]
    git_note: str = ""


def _check_request(kind: str, source: TemplateSource, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Refuse an unknown kind, a stray or mistyped answer before anything is rendered.

    Returns the answers typed as their questions ask (`"yes"` -> True for a yes/no one).
    """
    if answers.get("kind", kind) != kind:
        raise InvalidAnswerError(
            f"the answers say kind={answers['kind']} but the command asks for {kind}",
            hint="drop `kind` from the answers",
        )
    if source.root is not None:  # a remote template is checked by Copier itself
        questionnaire = Questionnaire(source.root)
        questionnaire.kind(kind)
        return check_answers(answers, questionnaire, kind)
    return dict(answers)


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _check_name_lengths(dest: Path) -> None:
    """Refuse a folder name longer than the file system allows (255 bytes on most).

    The OS would refuse it anyway, but as a write failure; the name is the user's input.
    """
    # os.path.isdir, not Path.is_dir: it answers False for a name too long, not raise.
    existing = next(folder for folder in (dest, *dest.parents) if os.path.isdir(folder))  # noqa: PTH112
    try:
        limit = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError):  # no such setting on this platform
        limit = 255
    for part in dest.relative_to(existing).parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise DestinationError(
                f"the folder name {shown(part)} is {size} bytes long; "
                f"the file system allows {limit}",
                hint="choose a shorter destination",
            )


def _check_destination(dest: Path, *, force: bool) -> None:
    _check_name_lengths(dest)
    if dest.exists() and not dest.is_dir():
        raise DestinationError(
            f"{dest} exists and is not a directory", hint="choose another destination"
        )
    if dest.is_dir() and not _is_empty_dir(dest) and not force:
        raise DestinationError(
            f"{dest} is not empty",
            hint="choose a new folder, or pass --force to add the project's files to it "
            "(files the template does not produce are kept)",
        )


def _make_parents(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; return those created, deepest first."""
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _relative_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def _move_into_place(rendered: Path, dest: Path, files: list[str]) -> None:
    """Rename the rendered tree to `dest`, or move its entries into an existing `dest`.

    An existing folder is kept (it may be the user's current directory): an empty one
    receives the rendered top-level entries, a forced non-empty one each file.
    """
    if not dest.exists():
        rendered.rename(dest)
    elif _is_empty_dir(dest):
        for entry in rendered.iterdir():
            entry.rename(dest / entry.name)
    else:
        for name in files:
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            (rendered / name).replace(target)
        if (rendered / ".git").is_dir():  # committed in staging: `dest` is no repository
            (rendered / ".git").rename(dest / ".git")


def _commit_first_version(
    rendered: Path, dest: Path, files: list[str], answers: Mapping[str, Any]
) -> str:
    """Commit the rendered project in its staging folder, before it moves into place.

    So the git step is inside the rollback: until the move, an error or a signal removes
    the staging folder, repository and all, and the destination is as it was.
    """
    if not git.available():
        return "git is not installed: no repository was created"
    # The staging folder is beside `dest`, so it is in the same repository (or none).
    if git.inside_work_tree(dest if dest.exists() else rendered):
        return "the destination is inside a git repository already: nothing was committed"
    identity = (str(answers["author_name"]), str(answers.get("author_email") or NOREPLY_EMAIL))
    try:
        git.init_and_commit(rendered, files, "Generate project with genai-scaffold", identity)
    except GitError as error:  # the project is complete; only the commit is missing
        shutil.rmtree(rendered / ".git", ignore_errors=True)
        return f"{error.message}; the project is complete, commit it yourself"
    return "initialised a git repository with a first commit"


def _remove_staging(staging: Path) -> None:
    """Remove the staging folder, also while a git process stopped with us still exits.

    A git killed mid-commit can write a last file after a first removal has begun; the
    removal is retried for a moment rather than leave a half-made repository behind.
    """
    for _ in range(20):
        shutil.rmtree(staging, ignore_errors=True)
        if not staging.exists():
            return
        time.sleep(0.1)


def create_project(
    kind: str,
    dest: Path | None,
    *,
    source: TemplateSource,
    answers: Mapping[str, Any],
    defaults: bool = False,
    force: bool = False,
    use_git: bool = True,
) -> GenerationResult:
    """Generate a `kind` project at `dest` (default: a folder named after its slug).

    `answers` pre-answer questions; Copier prompts for the rest on a terminal, or takes
    their defaults when `defaults` is true.
    """
    answers = _check_request(kind, source, answers)
    if dest is not None:
        dest = dest.resolve()  # "." has no name to give the project
        _check_destination(dest, force=force)
    parent = (dest.parent if dest is not None else Path.cwd()).resolve()
    try:
        dest, final_answers, files, git_note = _render_into_place(
            kind, dest, parent, source, answers, defaults, force, use_git
        )
    except OSError as error:  # read-only folder, permission denied, disk full
        signals.raise_interrupt_behind(error)
        raise FilesystemError.from_os_error(error, dest or parent) from error
    return GenerationResult(path=dest, answers=final_answers, files=files, git_note=git_note)


def _render_into_place(
    kind: str,
    dest: Path | None,
    parent: Path,
    source: TemplateSource,
    answers: Mapping[str, Any],
    defaults: bool,
    force: bool,
    use_git: bool,
) -> tuple[Path, dict[str, Any], list[str], str]:
    """Render and commit in a staging folder in `parent`, then move it to `dest`.

    Any failure before the move, Ctrl-C, SIGTERM and SIGHUP included (the CLI turns the
    last two into an exception), removes the staging folder and the parent folders this
    call created. The move itself holds signals back until it is done, so the
    destination is either as it was or the complete, committed project.
    """
    created_parents: list[Path] = []
    staging: Path | None = None
    placed = False
    try:
        created_parents = _make_parents(parent)
        # The rendered folder's name is the destination's, because the default project
        # name is the destination folder's name (as with plain `copier copy`). The
        # staging folder's own name is short, so any name the file system allows fits.
        name = dest.name if dest is not None else f"my-{kind}"
        staging = Path(tempfile.mkdtemp(prefix=".", suffix=".genai-scaffold", dir=parent))
        rendered = staging / name
        copy_template(
            source, rendered, {**answers, "kind": kind}, defaults=defaults, hints=source.hints()
        )
        final_answers = yaml.safe_load((rendered / ANSWERS_FILE).read_text(encoding="utf-8"))
        if dest is None:
            dest = parent / str(final_answers["project_slug"])
            _check_destination(dest, force=force)
        files = _relative_files(rendered)
        git_note = _commit_first_version(rendered, dest, files, final_answers) if use_git else ""
        with signals.held_back():
            _move_into_place(rendered, dest, files)
            placed = True
    except BaseException:
        with signals.held_back():  # a second signal must not cut the clean-up short
            if staging is not None:
                _remove_staging(staging)
            for folder in created_parents if not placed else []:
                folder.rmdir()
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return dest, final_answers, files, git_note


def preview_project(
    kind: str,
    dest: Path,
    *,
    source: TemplateSource,
    answers: Mapping[str, Any],
    defaults: bool = False,
    force: bool = False,
) -> None:
    """Show what `create_project` would write (Copier's pretend mode); write nothing."""
    answers = _check_request(kind, source, answers)
    dest = dest.resolve()
    _check_destination(dest, force=force)
    copy_template(
        source,
        dest,
        {**answers, "kind": kind},
        defaults=defaults,
        hints=source.hints(),
        pretend=True,
    )
