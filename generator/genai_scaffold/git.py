"""The few git operations genai-scaffold needs, through the git command line."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from genai_scaffold.errors import GitError


def available() -> bool:
    return shutil.which("git") is not None


def _git(args: Sequence[str], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git quietly; a failure (with `check`) is a GitError carrying git's last line."""
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace"
    )
    if check and result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        raise GitError(
            f"git {args[0]} failed: {lines[-1] if lines else f'exit status {result.returncode}'}",
            hint="fix what git says, then run the command again",
        )
    return result


def inside_work_tree(path: Path) -> bool:
    result = _git(["rev-parse", "--is-inside-work-tree"], path, check=False)
    return result.returncode == 0 and result.stdout.strip() == "true"


def has_tags(path: Path) -> bool:
    """Whether the repository at `path` has a tag (False for a folder that is no repo)."""
    if not available() or not (path / ".git").exists():
        return False
    return bool(_git(["tag", "--list"], path, check=False).stdout.strip())


def uncommitted_paths(path: Path) -> list[str]:
    """Modified, staged and untracked paths of the whole repository holding `path`.

    Copier's update refuses all of them, also outside a project in a subfolder. The
    paths are relative to the repository's root.
    """
    output = _git(["status", "--porcelain", "--untracked-files=all"], path).stdout
    return [line[3:] for line in output.splitlines() if line]


def uncommitted_paths_under(path: Path) -> list[str]:
    """The uncommitted paths inside `path`, relative to `path` (a monorepo's subfolder)."""
    prefix = _git(["rev-parse", "--show-prefix"], path).stdout.strip()
    return [
        name.removeprefix(prefix) for name in uncommitted_paths(path) if name.startswith(prefix)
    ]


def _has_identity(path: Path) -> bool:
    return all(
        _git(["config", key], path, check=False).stdout.strip()
        for key in ("user.name", "user.email")
    )


def init_and_commit(
    path: Path, files: Sequence[str], message: str, fallback_identity: tuple[str, str]
) -> None:
    """Create a repository in `path` and commit `files` (paths relative to it).

    `fallback_identity` (name, email) signs the commit when git has no user configured,
    so that the first commit works on a fresh machine.
    """
    _git(["init", "--quiet", "--initial-branch=main"], path)
    _git(["add", "--", *files], path)
    identity: list[str] = []
    if not _has_identity(path):
        name, email = fallback_identity
        identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    _git([*identity, "commit", "--quiet", "--no-verify", "-m", message], path)


def toplevel(path: Path) -> Path:
    """The root folder of the repository holding `path`."""
    return Path(_git(["rev-parse", "--show-toplevel"], path).stdout.strip()).resolve()


def clone_local(repository: Path, target: Path) -> None:
    """A full local clone of `repository` (hard-linked objects: quick and small)."""
    _git(["clone", "--quiet", str(repository), str(target)], repository.parent)


def _ls_remote(
    source: str,
    options: Sequence[str] = (),
    patterns: Sequence[str] = (),
    environment: dict[str, str] | None = None,
) -> str:
    result = subprocess.run(
        ["git", "ls-remote", *options, "--", source, *patterns],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, **(environment or {})},
    )
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        raise GitError(
            f"cannot list the template's releases: {lines[-1] if lines else 'git failed'}",
            hint="check the network, or the _src_path in .copier-answers.yml",
        )
    return result.stdout


def remote_tags(source: str, environment: dict[str, str] | None = None) -> list[str]:
    """The tag names of the repository (path, bundle or URL) `source`."""
    listing = _ls_remote(source, options=("--tags", "--refs"), environment=environment)
    return [line.split("refs/tags/", 1)[1] for line in listing.splitlines() if line]


def remote_head(source: str) -> str | None:
    """The commit id HEAD names in the repository (path, bundle or URL) `source`."""
    for line in _ls_remote(source, patterns=("HEAD",)).splitlines():
        commit_id, _, name = line.partition("\t")
        if name == "HEAD":
            return commit_id
    return None
