"""The CLI as users get it: a real subprocess, and a built wheel used away from the repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.installer import Installer
from tests.conftest import REPO_ROOT, git, recorded_answers, shared


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )


def test_the_installed_script_runs_and_reports_user_errors_without_traceback(
    tmp_path: Path,
) -> None:
    script = Path(sys.executable).with_name("genai-scaffold")

    version = run(str(script), "--version", cwd=tmp_path)
    unknown = run(str(script), "new", "nope", "--defaults", cwd=tmp_path)
    as_module = run(sys.executable, "-m", "genai_scaffold", "list", "--json", cwd=tmp_path)

    assert version.returncode == 0
    assert version.stdout.startswith("genai-scaffold, version ")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("Error: unknown kind 'nope'")
    assert "Traceback" not in unknown.stderr
    assert as_module.returncode == 0
    assert '"rag-chatbot"' in as_module.stdout


def build_release(dist: Path) -> None:
    """Build the way a release is: sdist first, then the wheel from the sdist.

    Its build environments are filled by uv where the harness finds it (`nox -s tests`
    sets $UV), by pip otherwise; the backend, and so the wheel, is the same.
    """
    installer = Installer.find()
    command = installer.build(sys.executable, "--outdir", str(dist))
    built = run(*command, cwd=REPO_ROOT, env=installer.variables)
    assert built.returncode == 0, built.stderr[-2000:]


@pytest.fixture(scope="session")
def wheel() -> Path:
    """The release wheel: a build takes a minute, so the xdist workers share one."""
    (wheel_path,) = shared("release-wheel", build_release).glob("*.whl")
    return wheel_path


def test_the_wheel_embeds_the_template_and_its_git_history(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "genai_scaffold/_template/copier.yml" in names
    assert "genai_scaffold/_template/template/README.md.jinja" in names
    assert "genai_scaffold/_template/projects/rag-chatbot/pyproject.toml.jinja" in names
    assert "genai_scaffold/_template.bundle" in names
    # The test harness stays in the repository: nothing of it ships.
    assert not [name for name in names if name.startswith("harness/") or "leftovers" in name]


def install(wheel: Path, tmp_path: Path) -> dict[str, str]:
    """Install `wheel` into a folder of its own; the environment that runs it from there."""
    site = tmp_path / "site"
    installed = run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--target",
        str(site),
        str(wheel),
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr
    return {"PYTHONPATH": str(site), "GENAI_SCAFFOLD_HOME": str(tmp_path / "scaffold-home")}


def scaffold(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "genai_scaffold", *args, cwd=cwd, env=env)


def test_the_installed_wheel_generates_updatable_projects_away_from_the_repo(
    wheel: Path, tmp_path: Path
) -> None:
    env = install(wheel, tmp_path)
    work = tmp_path / "work"
    work.mkdir()

    located = run(
        sys.executable,
        "-c",
        "import genai_scaffold; print(genai_scaffold.__file__)",
        cwd=work,
        env=env,
    )
    new = scaffold("new", "rag-chatbot", "bot", "--defaults", cwd=work, env=env)
    update = scaffold("update", "bot", "--defaults", cwd=work, env=env)

    assert located.stdout.startswith(env["PYTHONPATH"])
    assert new.returncode == 0, new.stderr
    answers = recorded_answers(work / "bot")
    assert answers["_src_path"] == "https://github.com/genai-scaffold/genai-scaffold.git"
    assert answers["_commit"]
    assert (Path(env["GENAI_SCAFFOLD_HOME"]) / "template.bundle").is_file()
    assert update.returncode == 0, update.stderr
    assert "Already at template version" in update.stdout


@pytest.mark.parametrize(
    ("options", "reason", "hint"),
    [
        (
            "ro,size=1m",
            "Read-only file system",
            "genai-scaffold keeps its copy of the template there: "
            "set GENAI_SCAFFOLD_HOME to a folder you can write",
        ),
        (
            "size=300k",  # smaller than the bundle
            "No space left on device",
            "free some space there, or set GENAI_SCAFFOLD_HOME to a folder on another disk",
        ),
    ],
    ids=["read-only", "full"],
)
def test_a_home_folder_that_cannot_keep_the_template_is_one_error_and_exit_1(
    wheel: Path,
    tmp_path: Path,
    mount_tmpfs: Callable[[str, str], Path],
    options: str,
    reason: str,
    hint: str,
) -> None:
    """A read-only HOME (containers, CI runners) or a full one: no traceback, no debris."""
    env = install(wheel, tmp_path)
    del env["GENAI_SCAFFOLD_HOME"]
    home = mount_tmpfs("home", options)
    work = tmp_path / "work"
    work.mkdir()

    result = scaffold(
        "new", "rag-chatbot", "bot", "--defaults", cwd=work, env={**env, "HOME": str(home)}
    )

    bundle = home / ".local" / "share" / "genai-scaffold" / "template.bundle"
    assert (result.returncode, result.stderr.splitlines()) == (
        1,
        [f"Error: cannot write {bundle}: {reason}", f"Hint: {hint}"],
    )
    assert list(home.iterdir()) == []  # no partial bundle, no empty folders
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("bundle_replaced", [True, False], ids=["upgrade", "same-release"])
def test_a_stale_template_mirror_does_not_break_generation(
    wheel: Path, tmp_path: Path, bundle_replaced: bool
) -> None:
    """Copier's cached mirror keeps HEAD on a branch an older release had (seen in CI).

    `git remote update --prune` drops the branch and leaves the mirror's HEAD dangling;
    an upgrade (a different bundle) must start a fresh mirror, and the same release
    must render the bundle's commit rather than the mirror's HEAD.
    """
    env = install(wheel, tmp_path)
    home = Path(env["GENAI_SCAFFOLD_HOME"])
    first = scaffold("new", "rag-chatbot", "first", "--defaults", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    (mirror,) = (home / "copier-cache").glob("*.git")
    git(mirror, "symbolic-ref", "HEAD", "refs/heads/integration-branch-of-an-older-release")
    if bundle_replaced:
        (home / "template.bundle").write_bytes(b"the bundle an older release installed")

    second = scaffold("new", "rag-chatbot", "second", "--defaults", cwd=tmp_path, env=env)

    assert second.returncode == 0, second.stderr
    assert (
        recorded_answers(tmp_path / "second")["_commit"]
        == recorded_answers(tmp_path / "first")["_commit"]
    )


def test_a_wheel_built_from_a_shallow_clone_when_allowed_generates_projects(
    tmp_path: Path,
) -> None:
    """GENAI_SCAFFOLD_ALLOW_SHALLOW (CI whose clone cannot be deepened) gives a working CLI."""
    shallow = tmp_path / "genai-scaffold"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{REPO_ROOT}", str(shallow))
    shutil.copy2(REPO_ROOT / "hatch_build.py", shallow / "hatch_build.py")  # this version
    built = run(
        sys.executable,
        "-m",
        "build",
        "--wheel",
        "--no-isolation",
        "--outdir",
        str(tmp_path / "dist"),
        cwd=shallow,
        env={"GENAI_SCAFFOLD_ALLOW_SHALLOW": "1"},
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel_path,) = (tmp_path / "dist").glob("*.whl")
    env = install(wheel_path, tmp_path)

    new = scaffold("new", "lora-finetune", "tuner", "--defaults", cwd=tmp_path, env=env)

    assert "bundling a shallow clone's HEAD alone" in built.stdout + built.stderr
    assert new.returncode == 0, new.stderr
    assert (tmp_path / "tuner" / "pyproject.toml").is_file()
    assert recorded_answers(tmp_path / "tuner")["kind"] == "lora-finetune"
