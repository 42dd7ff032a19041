"""`genai-scaffold update`: template changes arrive, the owner's edits survive."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from genai_scaffold import template_source

from tests.conftest import commit, git, invoke, recorded_answers

README_TEMPLATE = Path("template/README.md.jinja")
CONTRIBUTING_TEMPLATE = Path("template/CONTRIBUTING.md.jinja")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def release_v2(repo: Path) -> None:
    """Change the template in two places and tag v2."""
    edit(repo / CONTRIBUTING_TEMPLATE, "## Commit messages", "## Commit messages (v2)")
    edit(repo / README_TEMPLATE, "## Project layout", "## Repository layout")
    commit(repo, "Release v2", tag="v2")


def generate(source: str, dest: Path) -> None:
    result = invoke("new", "rag-chatbot", str(dest), "--defaults", "--template", source)
    assert result.exit_code == 0, result.output


def test_update_round_trip_merges_changes_and_reports_conflicts(
    template_repo: Path, workdir: Path
) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)
    assert recorded_answers(project)["_commit"] == "v1"
    # The owner edits a file the template will not touch, and a line it will change.
    edit(project / "CONTRIBUTING.md", "## Set up", "## Set up (our team's way)")
    edit(project / "README.md", "## Project layout", "## Where things are")
    commit(project, "Our edits")
    release_v2(template_repo)

    result = invoke("update", str(project), "--defaults")

    assert result.exit_code == 1, result.output
    assert "Updated from template version v1 to v2." in result.stdout
    assert "README.md" in result.stdout.split("Conflicts to resolve")[1]
    assert recorded_answers(project)["_commit"] == "v2"
    contributing = (project / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "## Commit messages (v2)" in contributing  # the template change arrived
    assert "## Set up (our team's way)" in contributing  # the owner's edit survived
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "<<<<<<< before updating" in readme
    assert "## Where things are" in readme
    assert "## Repository layout" in readme


def test_update_without_template_changes_says_so(template_repo: Path, workdir: Path) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)

    result = invoke("update", str(project), "--defaults")

    assert result.exit_code == 0, result.output
    assert "Already at template version v1." in result.stdout
    assert git(project, "status", "--porcelain") == ""


def test_update_refuses_a_dirty_tree(template_repo: Path, workdir: Path) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)
    (project / "scratch.txt").write_text("work in progress")

    result = invoke("update", str(project))

    assert result.exit_code == 2
    assert "uncommitted changes in scratch.txt" in result.stderr
    assert recorded_answers(project)["_commit"] == "v1"


def test_update_refuses_a_project_without_git(template_repo: Path, workdir: Path) -> None:
    project = workdir / "bot"
    result = invoke(
        "new",
        "rag-chatbot",
        str(project),
        "--defaults",
        "--no-git",
        "--template",
        str(template_repo),
    )
    assert result.exit_code == 0, result.output

    result = invoke("update", str(project))

    assert result.exit_code == 2
    assert "is not a git repository" in result.stderr


def test_update_refuses_a_copy_without_a_template_version(workdir: Path) -> None:
    project = workdir / "bot"
    project.mkdir()
    (project / ".copier-answers.yml").write_text("_src_path: /some/folder\nkind: rag-chatbot\n")

    result = invoke("update", str(project))

    assert result.exit_code == 2
    assert "records no template version" in result.stderr


def bundle(repo: Path, target: Path) -> Path:
    subprocess.run(
        ["git", "bundle", "create", str(target), "--all"], cwd=repo, check=True, capture_output=True
    )
    return target


def test_an_installed_release_records_a_stable_bundle_and_updates_offline(
    template_repo: Path, workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a pip-installed genai-scaffold does: the wheel ships a bundle of the
    template's history; upgrading the package replaces it; update finds both versions."""
    shipped = tmp_path / "site-packages" / "_template.bundle"
    shipped.parent.mkdir()
    monkeypatch.setattr(template_source, "shipped_bundle", lambda: shipped)
    monkeypatch.setattr(template_source, "embedded_root", lambda: template_repo)
    bundle(template_repo, shipped)

    generate_result = invoke("new", "rag-chatbot", "bot", "--defaults")
    assert generate_result.exit_code == 0, generate_result.output
    project = workdir / "bot"
    answers = recorded_answers(project)
    assert answers["_src_path"] == "~/.local/share/genai-scaffold/template.bundle"
    assert answers["_commit"] == "v1"

    release_v2(template_repo)
    bundle(template_repo, shipped)  # `pip install --upgrade genai-scaffold`

    result = invoke("update", str(project), "--defaults")

    assert result.exit_code == 0, result.output
    assert recorded_answers(project)["_commit"] == "v2"
    assert "## Commit messages (v2)" in (project / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_update_refuses_an_answer_to_no_question(template_repo: Path, workdir: Path) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)

    result = invoke("update", str(project), "-d", "licence=MIT")

    assert result.exit_code == 2
    assert "'licence' is not a question of the rag-chatbot template" in result.stderr


def test_update_can_change_an_answer(template_repo: Path, workdir: Path) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)

    result = invoke("update", str(project), "--defaults", "-d", "docker=true")

    assert result.exit_code == 0, result.output
    assert recorded_answers(project)["docker"] is True
    assert (project / "Dockerfile").is_file()
