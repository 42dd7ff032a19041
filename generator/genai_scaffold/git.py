"""The few git operations genai-scaffold needs, through the git command line."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path


def available() -> bool:
    return shutil.which("git") is not None


def _git(args: Sequence[str], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=check, capture_output=True, text=True, encoding="utf-8"
    )


def inside_work_tree(path: Path) -> bool:
    result = _git(["rev-parse", "--is-inside-work-tree"], path, check=False)
    return result.returncode == 0 and result.stdout.strip() == "true"


def uncommitted_paths(path: Path) -> list[str]:
    """Modified, staged and untracked paths (Copier's update refuses all of them)."""
    output = _git(["status", "--porcelain", "--untracked-files=all"], path).stdout
    return [line[3:] for line in output.splitlines() if line]


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
