"""`genai-scaffold list`, `--version` and `--help`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from genai_scaffold import __version__
from genai_scaffold.cli import main

from tests.conftest import REPO_ROOT, invoke, recorded_answers


def test_list_json_matches_the_folders_under_projects() -> None:
    result = invoke("list", "--json")

    assert result.exit_code == 0
    catalogue = json.loads(result.stdout)
    assert catalogue["schema_version"] == 2
    kinds = catalogue["kinds"]
    folders = sorted(path.name for path in (REPO_ROOT / "projects").iterdir() if path.is_dir())
    assert [kind["name"] for kind in kinds] == folders
    for kind in kinds:
        assert kind["description"]
        names = [question["name"] for question in kind["questions"]]
        assert names[:3] == ["project_name", "project_slug", "package_name"]
        assert "kind" not in names
        license_question = next(q for q in kind["questions"] if q["name"] == "license")
        assert license_question["default"] == "MIT"
        assert {"label": "GPL-3.0-or-later", "value": "GPL-3.0-or-later"} in license_question[
            "choices"
        ]
        assert license_question["help"]
        assert license_question["kinds"] == folders
        assert "{{" not in json.dumps([q["default"] for q in kind["questions"]])


def test_list_json_says_which_kinds_ask_each_question_and_labels_choices() -> None:
    kinds = {kind["name"]: kind for kind in json.loads(invoke("list", "--json").stdout)["kinds"]}
    rag = {question["name"]: question for question in kinds["rag-chatbot"]["questions"]}

    assert rag["web_ui"]["kinds"] == ["rag-chatbot"]
    assert rag["llm_model"]["when"] == "{{ kind == 'rag-chatbot' and llm_provider != 'none' }}"
    assert {"label": "none: offline extractive answers, no API key", "value": "none"} in rag[
        "llm_provider"
    ]["choices"]
    assert kinds["rag-chatbot"]["title"] == "RAG chatbot"


@pytest.mark.parametrize("kind", ["rag-chatbot", "lora-finetune", "image-prompt-eval"])
def test_list_json_defaults_are_what_new_records(kind: str, workdir: Path) -> None:
    listed = next(
        k for k in json.loads(invoke("list", "--json").stdout)["kinds"] if k["name"] == kind
    )

    created = invoke("new", kind, "--defaults", "--no-git")

    assert created.exit_code == 0, created.output
    recorded = recorded_answers(workdir / listed["example_destination"])
    for question in listed["questions"]:
        if question["name"] in recorded:
            assert recorded[question["name"]] == question["default"], question["name"]


def test_list_prints_a_table_of_kinds_and_questions() -> None:
    result = invoke("list")

    assert result.exit_code == 0
    assert "rag-chatbot" in result.stdout
    assert "python_version" in result.stdout
    assert "{{" not in result.stdout  # derived defaults are described, not dumped as Jinja


def test_version_and_help() -> None:
    assert invoke("--version").stdout == f"genai-scaffold, version {__version__}\n"
    help_text = invoke("--help").stdout
    for command in ("new", "list", "update", "check"):
        assert f"  {command} " in help_text
    assert "_GENAI_SCAFFOLD_COMPLETE=bash_source" in help_text


@pytest.mark.parametrize("width", [70, 80])
@pytest.mark.parametrize("command", [[], ["new"], ["list"], ["update"], ["check"]])
def test_help_reads_well_at_every_level(command: list[str], width: int) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=width)

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "\\b" not in result.stdout
    assert "\b" not in result.stdout
    assert not [line for line in lines if line.endswith("...") and "Usage:" not in line]
    assert all(len(line) <= width for line in lines), result.stdout


def test_new_help_lists_the_kinds_one_line_each() -> None:
    lines = invoke("new", "--help").stdout.splitlines()

    kinds = lines[lines.index("Kinds:") + 1 :]
    for folder in sorted(path.name for path in (REPO_ROOT / "projects").iterdir()):
        assert any(line.split()[:1] == [folder] and len(line.split()) > 1 for line in kinds)


def test_examples_stay_on_their_own_lines() -> None:
    lines = invoke("--help").stdout.splitlines()

    assert "    genai-scaffold new rag-chatbot my-bot  generate a project" in lines
    assert '    eval "$(_GENAI_SCAFFOLD_COMPLETE=bash_source genai-scaffold)"' in lines


def test_update_help_names_only_options_update_has() -> None:
    help_text = invoke("update", "--help").stdout

    for option in ("--data-file", "--defaults", "--vcs-ref", "-d, --data"):
        assert option in help_text
