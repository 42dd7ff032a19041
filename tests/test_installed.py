"""The CLI as users get it: a real subprocess, and a built wheel used away from the repo."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, recorded_answers


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


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built the way a release is: sdist first, then the wheel from the sdist."""
    dist = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--outdir", str(dist), cwd=REPO_ROOT)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel_path,) = dist.glob("*.whl")
    return wheel_path


def test_the_wheel_embeds_the_template_and_its_git_history(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "genai_scaffold/_template/copier.yml" in names
    assert "genai_scaffold/_template/template/README.md.jinja" in names
    assert "genai_scaffold/_template/projects/rag-chatbot/pyproject.toml.jinja" in names
    assert "genai_scaffold/_template.bundle" in names


def test_the_installed_wheel_generates_updatable_projects_away_from_the_repo(
    wheel: Path, tmp_path: Path
) -> None:
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
    home = tmp_path / "scaffold-home"
    env = {"PYTHONPATH": str(site), "GENAI_SCAFFOLD_HOME": str(home)}
    work = tmp_path / "work"
    work.mkdir()

    located = run(
        sys.executable,
        "-c",
        "import genai_scaffold; print(genai_scaffold.__file__)",
        cwd=work,
        env=env,
    )
    new = run(
        sys.executable,
        "-m",
        "genai_scaffold",
        "new",
        "rag-chatbot",
        "bot",
        "--defaults",
        cwd=work,
        env=env,
    )
    update = run(
        sys.executable, "-m", "genai_scaffold", "update", "bot", "--defaults", cwd=work, env=env
    )

    assert located.stdout.startswith(str(site))
    assert new.returncode == 0, new.stderr
    answers = recorded_answers(work / "bot")
    assert answers["_src_path"] == "https://github.com/genai-scaffold/genai-scaffold.git"
    assert answers["_commit"]
    assert (home / "template.bundle").is_file()
    assert update.returncode == 0, update.stderr
    assert "Already at template version" in update.stdout
