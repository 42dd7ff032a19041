"""`genai-scaffold update`: template changes arrive, the owner's edits survive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from genai_scaffold import template_source, update

from tests.conftest import (
    clean_up_fails_behind_sigterm,
    commit,
    git,
    invoke,
    recorded_answers,
)

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


@pytest.fixture
def installed_release(template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What a pip-installed genai-scaffold has: the template tree and a bundle of its history.

    Returns the shipped bundle; `bundle(template_repo, it)` again is an upgrade.
    """
    shipped = tmp_path / "site-packages" / "_template.bundle"
    shipped.parent.mkdir()
    monkeypatch.setattr(template_source, "shipped_bundle", lambda: shipped)
    monkeypatch.setattr(template_source, "embedded_root", lambda: template_repo)
    return bundle(template_repo, shipped)


def generate_installed() -> Path:
    """`genai-scaffold new rag-chatbot bot --defaults` with the installed template."""
    result = invoke("new", "rag-chatbot", "bot", "--defaults")
    assert result.exit_code == 0, result.output
    return Path.cwd() / "bot"


@pytest.mark.usefixtures("workdir")
def test_an_installed_release_records_the_canonical_url_and_updates_offline_in_another_home(
    installed_release: Path, template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generated under one HOME (a laptop), updated under another (a teammate's or CI's)."""
    project = generate_installed()
    answers = recorded_answers(project)
    assert answers["_src_path"] == template_source.canonical_url()
    assert answers["_commit"] == "v1"
    assert not (project / ".copier-answers.yml").read_text().count(str(tmp_path))

    release_v2(template_repo)
    bundle(template_repo, installed_release)  # `pip install --upgrade genai-scaffold`
    other_home = tmp_path / "teammate"
    other_home.mkdir()
    monkeypatch.setenv("HOME", str(other_home))

    result = invoke("update", str(project), "--defaults")

    assert result.exit_code == 0, result.output
    assert recorded_answers(project)["_commit"] == "v2"
    assert recorded_answers(project)["_src_path"] == template_source.canonical_url()
    assert "## Commit messages (v2)" in (project / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert (other_home / ".local/share/genai-scaffold/template.bundle").is_file()


@pytest.mark.usefixtures("workdir", "installed_release")
def test_plain_copier_updates_a_generated_project_from_the_canonical_url(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A teammate with only Copier and a network: the URL is fetched by git as recorded.

    The network is stood in for by the teammate's git config pointing the URL at a
    clone of the template, which is what git sees when it fetches.
    """
    project = generate_installed()
    release_v2(template_repo)
    teammate = tmp_path / "copier-only"
    teammate.mkdir()
    monkeypatch.setenv("HOME", str(teammate))
    url = recorded_answers(project)["_src_path"]
    git(teammate, "config", "--global", f"url.{template_repo}.insteadOf", url)

    copier = Path(sys.executable).with_name("copier")
    updated = subprocess.run(
        [str(copier), "update", "--defaults", "--quiet"],
        cwd=project,
        env={**os.environ, "HOME": str(teammate)},
        capture_output=True,
        text=True,
    )

    assert updated.returncode == 0, updated.stderr
    assert recorded_answers(project)["_commit"] == "v2"
    assert recorded_answers(project)["_src_path"] == url


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


def test_update_pretend_lists_the_changes_and_writes_nothing(
    template_repo: Path, workdir: Path
) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)
    release_v2(template_repo)
    before = git(project, "rev-parse", "HEAD")

    result = invoke("update", str(project), "--defaults", "--pretend")

    assert result.exit_code == 0, result.output
    assert "Would update from template version v1 to v2." in result.stdout
    changed = result.stdout.split("Files that would change:\n")[1].split()
    assert {"CONTRIBUTING.md", "README.md", ".copier-answers.yml"} <= set(changed)
    assert "nothing was written" in result.stderr
    assert recorded_answers(project)["_commit"] == "v1"
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == before


def test_update_pretend_exits_1_when_it_predicts_conflicts(
    template_repo: Path, workdir: Path
) -> None:
    """A CI job runs `update --pretend` to learn whether the update would need a person."""
    project = workdir / "bot"
    generate(str(template_repo), project)
    edit(project / "README.md", "## Project layout", "## Where things are")
    commit(project, "Our edits")
    release_v2(template_repo)

    result = invoke("update", str(project), "--defaults", "--pretend")

    assert result.exit_code == 1, result.output
    assert result.stdout.split("Conflicts the update would leave:\n")[1].split() == ["README.md"]
    assert "nothing was written" in result.stderr
    assert "<<<<<<<" not in (project / "README.md").read_text(encoding="utf-8")
    assert git(project, "status", "--porcelain") == ""


def test_check_exits_1_with_the_available_version_when_behind(
    template_repo: Path, workdir: Path
) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)

    current = invoke("check", str(project))
    release_v2(template_repo)
    behind = invoke("check", str(project / "src"))

    assert current.exit_code == 0
    assert current.stdout == "Up to date with template version v1.\n"
    assert behind.exit_code == 1
    assert behind.stdout == (
        "Behind: the project is at template version v1; v2 is available. "
        "Run `genai-scaffold update`.\n"
    )


def test_check_outside_a_project_is_a_user_error(workdir: Path) -> None:
    result = invoke("check", str(workdir))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {workdir} is not inside a generated project")


def test_a_project_in_a_monorepo_subfolder_updates_from_any_of_its_folders(
    template_repo: Path, workdir: Path
) -> None:
    monorepo = workdir / "monorepo"
    (monorepo / "services").mkdir(parents=True)
    (monorepo / "README.md").write_text("Our services\n")
    git(monorepo, "init", "--quiet", "--initial-branch=main")
    project = monorepo / "services" / "bot"
    created = invoke(
        "new", "rag-chatbot", str(project), "--defaults", "--template", str(template_repo)
    )
    assert created.exit_code == 0, created.output
    assert "inside a git repository already" in created.stdout
    commit(monorepo, "Add the bot")
    edit(project / "CONTRIBUTING.md", "## Set up", "## Set up (our way)")
    commit(monorepo, "Our edit")
    release_v2(template_repo)

    result = invoke("update", str(project / "src"), "--defaults")

    assert result.exit_code == 0, result.output
    assert "Updated from template version v1 to v2." in result.stdout
    assert recorded_answers(project)["_commit"] == "v2"
    contributing = (project / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "## Commit messages (v2)" in contributing
    assert "## Set up (our way)" in contributing
    assert (monorepo / "README.md").read_text() == "Our services\n"
    assert not (monorepo / ".copier-answers.yml").exists()


def test_a_recorded_version_the_template_lacks_hints_at_upgrading_not_at_vcs_ref(
    template_repo: Path, workdir: Path
) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)
    edit(project / ".copier-answers.yml", "_commit: v1", "_commit: v0.9")
    commit(project, "Pretend an unknown release made it")

    result = invoke("update", str(project), "--defaults")

    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()
    assert error == "Error: the template has no 'v0.9' tag, branch or commit"
    assert "--vcs-ref" not in hint
    assert "upgrade genai-scaffold" in hint


def test_the_canonical_url_comes_from_the_package_metadata_and_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert template_source.canonical_url() == "https://github.com/genai-scaffold/genai-scaffold.git"

    monkeypatch.setenv("GENAI_SCAFFOLD_TEMPLATE_URL", "https://git.example.com/our/fork.git")

    assert template_source.canonical_url() == "https://git.example.com/our/fork.git"


def test_a_broken_answers_file_is_a_user_error(workdir: Path) -> None:
    (workdir / ".copier-answers.yml").write_text("_src_path: [unclosed\n")

    result = invoke("check", str(workdir))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {workdir / '.copier-answers.yml'} is not valid YAML")


def test_a_clean_up_failing_while_a_signal_unwinds_reports_the_signal(
    template_repo: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = workdir / "bot"
    generate(str(template_repo), project)
    release_v2(template_repo)
    monkeypatch.setattr(update, "update_project", clean_up_fails_behind_sigterm)

    result = invoke("update", str(project), "--defaults")

    assert (result.exit_code, result.stderr.splitlines()) == (
        143,
        ["Aborted: interrupted by SIGTERM"],
    )
    assert recorded_answers(project)["_commit"] == "v1"
