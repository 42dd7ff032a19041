"""What genai-scaffold relies on in Copier's private API, checked against the pinned release.

`genai_scaffold.copier_private` is the only module that touches Copier's (and
prompt_toolkit's) internals or mirrors Copier's code. A Copier upgrade fails here first:
the version test says to re-check, the others say which piece changed.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import pytest
from genai_scaffold import copier_private


def copier_question(**fields: Any) -> Any:
    """A question as Copier builds one from copier.yml, with no answers given yet."""
    from copier._jinja_ext import SandboxedEnvironment
    from copier._user_data import AnswersMap, Question

    return Question(answers=AnswersMap(), context={}, jinja_env=SandboxedEnvironment(), **fields)


def test_copier_is_the_release_the_private_api_was_checked_against() -> None:
    installed = importlib.metadata.version("copier")

    assert installed == copier_private.COPIER_CHECKED, (
        f"Copier {installed} is installed; genai_scaffold/copier_private.py was checked "
        f"against {copier_private.COPIER_CHECKED}. Run this file with the new release, fix "
        "what fails, then update COPIER_CHECKED (and the test extra's pin)."
    )


def test_the_replaced_message_is_what_copier_prompts_with() -> None:
    question = copier_question(
        var_name="project_name", type="str", help="Name of {{ 'the' }} project"
    )

    def message(asked: Any) -> str:
        shown = copier_private.rendered_help(asked)
        return f"{asked.var_name} ({copier_private.type_name(asked)}): {shown}"

    with copier_private.questions_shown_by(message, lambda structure: None):
        structure = question.get_questionary_structure()

    assert structure["message"] == "project_name (str): Name of the project"
    assert question.get_message() != structure["message"]  # restored after the block


def test_choice_titles_reach_the_menu_through_the_structure() -> None:
    question = copier_question(
        var_name="kind", type="str", choices={"RAG chatbot: ask documents": "rag-chatbot"}
    )

    def shorten(structure: dict[str, Any]) -> None:
        for choice in structure["choices"]:
            choice.title = choice.title.partition(":")[0]

    with copier_private.questions_shown_by(lambda asked: "", shorten):
        choices = question.get_questionary_structure()["choices"]

    assert [(choice.title, choice.value) for choice in choices] == [("RAG chatbot", "rag-chatbot")]


def test_prompt_toolkit_keeps_its_not_a_terminal_record_as_a_set() -> None:
    from prompt_toolkit.input.vt100 import Vt100Input

    assert isinstance(Vt100Input._fds_not_a_terminal, set)


@pytest.mark.parametrize(
    ("type_name", "raw"),
    [
        *(("bool", raw) for raw in ["true", "Yes", "on", "y", "t", "false", "no", "off", "none"]),
        *(("bool", raw) for raw in ["", "~", "0", "2", "0.0", "maybe"]),
        ("int", "42"),
        ("float", "0.5"),
        ("str", "Café"),
        ("yaml", "[a, b]"),
        ("json", '{"a": 1}'),
    ],
)
def test_defaults_are_cast_as_copier_casts_them(type_name: str, raw: str) -> None:
    expected = copier_question(var_name="x", type=type_name).cast_answer(raw)

    assert copier_private.cast_default(type_name, raw) == expected


def test_defaults_render_with_copiers_extensions_filters_and_envops(tmp_path: Path) -> None:
    from copier._main import Worker

    envops = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
    (tmp_path / "copier.yml").write_text(
        "_envops:\n" + "".join(f"  {key}: true\n" for key in envops), encoding="utf-8"
    )
    copiers = Worker(src_path=str(tmp_path), dst_path=tmp_path / "out").jinja_env
    ours = copier_private.default_environment(tmp_path, envops)

    # Copier's YieldExtension only acts in file names (`{% yield %}`), never in defaults.
    assert {type(extension).__name__ for extension in copiers.extensions.values()} == {
        *(type(extension).__name__ for extension in ours.extensions.values()),
        "YieldExtension",
    }
    assert set(copiers.filters) == set(ours.filters)
    assert set(copiers.tests) == set(ours.tests)
    for option in envops:
        assert getattr(ours, option) == getattr(copiers, option) is True


def test_the_skipped_index_sync_has_nothing_to_do_for_untracked_files(tmp_path: Path) -> None:
    """Copier's own method, on a file git does not track, with core.fileMode false."""
    import inspect
    import subprocess

    from copier._main import Worker

    method = Worker._sync_git_index_executable_bit
    assert list(inspect.signature(method).parameters) == ["self", "dst_relpath", "src_mode"]
    (tmp_path / "copier.yml").write_text("{}\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    subprocess.run(["git", "config", "core.fileMode", "false"], cwd=project, check=True)
    (project / "run.sh").write_text("#!/bin/sh\n", encoding="utf-8")
    worker = Worker(src_path=str(tmp_path), dst_path=project)

    method(worker, Path("run.sh"), 0o100755)

    staged = subprocess.run(
        ["git", "ls-files", "--stage"], cwd=project, capture_output=True, text=True, check=True
    )
    assert staged.stdout == ""
