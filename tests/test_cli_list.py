"""`genai-scaffold list`, `--version` and `--help`."""

from __future__ import annotations

import json

from genai_scaffold import __version__

from tests.conftest import REPO_ROOT, invoke


def test_list_json_matches_the_folders_under_projects() -> None:
    result = invoke("list", "--json")

    assert result.exit_code == 0
    kinds = json.loads(result.stdout)["kinds"]
    folders = sorted(path.name for path in (REPO_ROOT / "projects").iterdir() if path.is_dir())
    assert [kind["name"] for kind in kinds] == folders
    for kind in kinds:
        assert kind["description"]
        names = [question["name"] for question in kind["questions"]]
        assert names[:3] == ["project_name", "project_slug", "package_name"]
        assert "kind" not in names
        license_question = next(q for q in kind["questions"] if q["name"] == "license")
        assert license_question["default"] == "MIT"
        assert "GPL-3.0-or-later" in license_question["choices"]
        assert license_question["help"]


def test_list_prints_a_table_of_kinds_and_questions() -> None:
    result = invoke("list")

    assert result.exit_code == 0
    assert "rag-chatbot" in result.stdout
    assert "python_version" in result.stdout
    assert "{{" not in result.stdout  # derived defaults are described, not dumped as Jinja


def test_version_and_help() -> None:
    assert invoke("--version").stdout == f"genai-scaffold, version {__version__}\n"
    help_text = invoke("--help").stdout
    for command in ("new", "list", "update"):
        assert f"  {command} " in help_text
    assert "_GENAI_SCAFFOLD_COMPLETE=bash_source" in help_text
