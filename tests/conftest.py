"""Shared fixtures: an isolated home folder, helpers to run the CLI, work shared by workers."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml
from click.testing import CliRunner, Result
from genai_scaffold import signals
from genai_scaffold.cli import main
from genai_scaffold.questionnaire import Questionnaire
from hypothesis import settings

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PARTS = ("copier.yml", "template", "projects")
# The folder where one test run keeps what its tests share (renders, the wheel): made by
# the first pytest process, inherited by pytest-xdist's workers, removed at its end.
SHARED_VARIABLE = "GENAI_SCAFFOLD_TESTS_SHARED"
SHARED_OWNER = pytest.StashKey[Path]()

# Property tests render templates and build metadata: slower than hypothesis's 200 ms
# deadline on a busy machine, and their examples are not worth a .hypothesis/ folder.
settings.register_profile("generator", deadline=None, database=None)
settings.load_profile("generator")


def pytest_configure(config: pytest.Config) -> None:
    # Runs in the controller before it starts the workers, so they see the variable set.
    if SHARED_VARIABLE not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix="genai-scaffold-tests-"))
        os.environ[SHARED_VARIABLE] = str(folder)
        config.stash[SHARED_OWNER] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    if (folder := config.stash.get(SHARED_OWNER, None)) is not None:
        shutil.rmtree(folder, ignore_errors=True)
        del os.environ[SHARED_VARIABLE]


def shared(name: str, make: Callable[[Path], object]) -> Path:
    """The folder `make(folder)` fills, made once per test run, whichever worker asks first.

    A render or a wheel build takes seconds to a minute; without this each xdist worker
    would make its own. The others wait on the lock; a failed `make` leaves nothing.
    """
    folder = Path(os.environ[SHARED_VARIABLE]) / name
    with folder.with_name(f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not folder.is_dir():
            staging = folder.with_name(f"{name}.partial")
            shutil.rmtree(staging, ignore_errors=True)
            make(staging)
            staging.rename(folder)
    return folder


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A fresh HOME: no git identity, no Copier settings, a private bundle folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in (
        "XDG_DATA_HOME",
        "XDG_CONFIG_HOME",
        "GENAI_SCAFFOLD_HOME",
        "COPIER_SETTINGS_PATH",
    ):
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture
def questionnaire() -> Questionnaire:
    return Questionnaire(REPO_ROOT)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory outside the template checkout."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def invoke(*args: str) -> Result:
    """Run the CLI in-process, with stderr kept apart from stdout."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def clean_up_fails_behind_sigterm(*args: object, **kwargs: object) -> NoReturn:
    """Stand in for a Copier call stopped by SIGTERM whose clean-up then fails.

    As when SIGTERM stops the `git init` Copier runs in a temporary folder while it reads
    the template: removing that folder meets git's last files ("Directory not empty").
    """
    try:
        raise signals.Terminated(signal.SIGTERM)
    except signals.Terminated:
        raise OSError(errno.ENOTEMPTY, os.strerror(errno.ENOTEMPTY), ".git") from None


def recorded_answers(project: Path) -> dict[str, Any]:
    """The project's .copier-answers.yml, as Copier wrote it."""
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (the .git folder left out) and its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


@pytest.fixture
def template_repo(tmp_path: Path) -> Iterator[Path]:
    """A git copy of the template (copier.yml, template/, projects/) tagged v1."""
    repo = tmp_path / "template-repo"
    repo.mkdir()
    shutil.copy2(REPO_ROOT / "copier.yml", repo / "copier.yml")
    for part in TEMPLATE_PARTS[1:]:
        shutil.copytree(REPO_ROOT / part, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit(repo, "Release v1", tag="v1")
    return repo


def commit(repo: Path, message: str, tag: str | None = None) -> None:
    """Commit everything in `repo` as a template developer, optionally tagging it."""
    git(repo, "add", "-A")
    identity = ["-c", "user.name=Template Dev", "-c", "user.email=dev@example.com"]
    git(repo, *identity, "commit", "--quiet", "-m", message)
    if tag:
        git(repo, "tag", tag)


@pytest.fixture
def mount_tmpfs(tmp_path: Path) -> Iterator[Callable[[str, str], Path]]:
    """Mount a tmpfs with the given options under tmp_path; unmount afterwards."""
    mounted: list[Path] = []

    def mount(name: str, options: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], check=True)
