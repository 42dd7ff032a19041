"""`genai-scaffold new`: generation, answers, destinations and failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from genai_scaffold import copier_bridge
from genai_scaffold.generate import create_project
from genai_scaffold.template_source import resolve_source

from tests.conftest import git, invoke, recorded_answers, tree


def test_new_generates_a_committed_project_and_prints_the_readme_commands(workdir: Path) -> None:
    result = invoke("new", "rag-chatbot", "acme-help", "--defaults")

    assert result.exit_code == 0, result.output
    project = workdir / "acme-help"
    assert recorded_answers(project)["project_slug"] == "acme-help"
    assert (project / "src" / "acme_help" / "cli.py").is_file()
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "log", "--format=%s") == "Generate project with genai-scaffold\n"
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "Next steps:\ncd acme-help\n" in result.output
    for command in result.output.split("Next steps:\ncd acme-help\n")[1].splitlines():
        assert command in readme


def test_new_without_dest_uses_the_project_slug(workdir: Path) -> None:
    result = invoke("new", "rag-chatbot", "--defaults", "-d", "project_name=Acme Help Desk")

    assert result.exit_code == 0, result.output
    assert recorded_answers(workdir / "acme-help-desk")["package_name"] == "acme_help_desk"
    assert [path.name for path in workdir.iterdir()] == ["acme-help-desk"]


def test_new_takes_answers_from_data_and_data_file(workdir: Path) -> None:
    (workdir / "answers.yml").write_text("license: Apache-2.0\ndocker: true\n_commit: ignored\n")

    result = invoke(
        "new",
        "rag-chatbot",
        "p",
        "--defaults",
        "--data-file",
        "answers.yml",
        "-d",
        "docker=false",
        "-d",
        "author_email=jane@example.com",
    )

    assert result.exit_code == 0, result.output
    answers = recorded_answers(workdir / "p")
    assert (answers["license"], answers["docker"], answers["author_email"]) == (
        "Apache-2.0",
        False,
        "jane@example.com",
    )
    assert "Apache License" in (workdir / "p" / "LICENSE").read_text(encoding="utf-8")
    assert not (workdir / "p" / "Dockerfile").exists()


def test_new_no_git_leaves_no_repository(workdir: Path) -> None:
    result = invoke("new", "rag-chatbot", "p", "--defaults", "--no-git")

    assert result.exit_code == 0, result.output
    assert not (workdir / "p" / ".git").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "chatbot", "--defaults"], "Error: unknown kind 'chatbot'"),
        (
            ["new", "rag-chatbot", "--defaults", "-d", "license"],
            "Error: 'license' is not KEY=VALUE",
        ),
        (
            ["new", "rag-chatbot", "--defaults", "-d", "licence=MIT"],
            "Error: 'licence' is not a question",
        ),
        (
            ["new", "rag-chatbot", "--defaults", "-d", "project_slug=Bad Slug"],
            "Error: project_slug: 'Bad Slug' must be lowercase",
        ),
        (
            ["new", "rag-chatbot", "--defaults", "--data-file", "missing.yml"],
            "Error: cannot read missing.yml",
        ),
        (
            ["new", "rag-chatbot", "--defaults", "--template", "nowhere"],
            "Error: template 'nowhere' does not exist",
        ),
        (
            ["new", "rag-chatbot", "--defaults", "-d", "kind=lora-finetune"],
            "Error: the answers say kind=",
        ),
        (["update", "."], "is not inside a generated project (no .copier-answers.yml"),
        (["new", "rag-chatbot", "/", "--defaults"], "Error: / is not empty"),
        (
            ["new", "rag-chatbot", "d" * 300, "--defaults"],
            f"Error: the folder name '{'d' * 40}...' is 300 bytes long; the file system allows 255",
        ),
        (
            ["new", "rag-chatbot", "--defaults", "-d", f"project_name={'Help ' * 60}"],
            "Error: project_slug: 'help-help-help-help-help-help-help-help-...' is 299 characters "
            "long; at most 100 are allowed",
        ),
        (
            ["new", "rag-chatbot", "--defaults", "-d", "project_name=Test"],
            "Error: project_slug: 'test' is a shell builtin or a common command",
        ),
    ],
)
def test_user_errors_print_one_line_and_a_hint_and_exit_2(
    workdir: Path, args: list[str], message: str
) -> None:
    result = invoke(*args)

    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: ")
    assert message in lines[0], result.stderr
    assert lines[1].startswith("Hint: ")
    assert "Traceback" not in result.stderr
    assert [path.name for path in workdir.iterdir()] == []


def test_a_destination_name_near_the_file_system_limit_renders(workdir: Path) -> None:
    """The staging folder beside the destination must not make its name any longer."""
    name = "d" * 250

    result = invoke("new", "rag-chatbot", name, "--defaults", "--no-git", "-d", "project_slug=d")

    assert result.exit_code == 0, result.output
    assert [path.name for path in workdir.iterdir()] == [name]


def test_new_without_a_terminal_asks_for_defaults_or_answers(workdir: Path) -> None:
    result = invoke("new", "rag-chatbot", "p")

    assert result.exit_code == 2
    assert "no terminal to ask it on" in result.stderr
    assert "--defaults" in result.stderr
    assert list(workdir.iterdir()) == []


def test_new_refuses_a_non_empty_destination_and_leaves_it_untouched(workdir: Path) -> None:
    dest = workdir / "existing"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")

    result = invoke("new", "rag-chatbot", "existing", "--defaults")

    assert result.exit_code == 2
    assert "existing is not empty" in result.stderr
    assert tree(dest) == {"notes.txt": b"mine"}


def test_new_refuses_a_slug_folder_that_exists_when_dest_is_omitted(workdir: Path) -> None:
    (workdir / "my-rag-chatbot").mkdir()
    (workdir / "my-rag-chatbot" / "keep.txt").write_text("mine")

    result = invoke("new", "rag-chatbot", "--defaults")

    assert result.exit_code == 2
    assert tree(workdir) == {"my-rag-chatbot/keep.txt": b"mine"}


def test_new_force_adds_files_and_keeps_the_users_other_files(workdir: Path) -> None:
    dest = workdir / "existing"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    (dest / "README.md").write_text("old readme")

    result = invoke("new", "rag-chatbot", "existing", "--defaults", "--force", "--no-git")

    assert result.exit_code == 0, result.output
    files = tree(dest)
    assert files["notes.txt"] == b"mine"
    assert files["README.md"] != b"old readme"
    assert "pyproject.toml" in files


def test_new_into_an_empty_existing_folder_is_not_forced(workdir: Path) -> None:
    (workdir / "empty").mkdir()

    result = invoke("new", "rag-chatbot", "empty", "--defaults")

    assert result.exit_code == 0, result.output
    assert (workdir / "empty" / "pyproject.toml").is_file()


def test_pretend_lists_the_files_and_writes_nothing(workdir: Path) -> None:
    result = invoke("new", "rag-chatbot", "p", "--defaults", "--pretend")

    assert result.exit_code == 0, result.output
    assert "pyproject.toml" in result.stderr
    assert "nothing was written" in result.stderr
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_failure_during_rendering_leaves_nothing_behind(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    real_copy = copier_bridge.copy_template

    def copy_then_fail(source, dest, data, **options):  # type: ignore[no-untyped-def]
        real_copy(source, dest, data, **options)
        assert (dest / "pyproject.toml").is_file()  # the failure comes mid-way, not before
        raise failure

    monkeypatch.setattr("genai_scaffold.generate.copy_template", copy_then_fail)
    (workdir / "existing").mkdir()
    (workdir / "existing" / "keep.txt").write_text("mine")

    for dest in ("fresh", "existing"):
        with pytest.raises(type(failure)):
            create_project(
                "rag-chatbot",
                workdir / dest,
                source=resolve_source(None, None),
                answers={},
                defaults=True,
                force=True,
            )

    assert tree(workdir) == {"existing/keep.txt": b"mine"}


def test_an_unknown_template_revision_is_a_user_error(template_repo: Path, workdir: Path) -> None:
    result = invoke(
        "new", "rag-chatbot", "p", "--defaults", "--template", str(template_repo), "--vcs-ref", "v9"
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: the template has no 'v9' tag, branch or commit")
    assert list(workdir.iterdir()) == []


def test_an_unreachable_template_repository_is_a_user_error(workdir: Path, tmp_path: Path) -> None:
    result = invoke(
        "new", "rag-chatbot", "p", "--defaults", "--template", f"file://{tmp_path}/missing.git"
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: git could not fetch the template: fatal: ")
    assert result.stderr.splitlines()[1] == "Hint: check the --template path or URL"
    assert list(workdir.iterdir()) == []


def test_the_template_given_by_path_records_its_release_tag(
    template_repo: Path, workdir: Path
) -> None:
    result = invoke("new", "rag-chatbot", "p", "--defaults", "--template", str(template_repo))

    assert result.exit_code == 0, result.output
    assert recorded_answers(workdir / "p")["_commit"] == "v1"


def test_new_into_the_current_empty_folder_names_the_project_after_it(workdir: Path) -> None:
    result = invoke("new", "rag-chatbot", ".", "--defaults")

    assert result.exit_code == 0, result.output
    assert recorded_answers(workdir)["project_slug"] == "work"
    assert "Next steps:\ncd .\n" in result.output


def test_pretend_refuses_what_new_would_refuse(workdir: Path) -> None:
    (workdir / "existing").mkdir()
    (workdir / "existing" / "keep.txt").write_text("mine")

    result = invoke("new", "rag-chatbot", "existing", "--defaults", "--pretend")

    assert result.exit_code == 2
    assert "existing is not empty" in result.stderr
