"""The documentation site: `docs_site` adds a complete MkDocs site, and only then."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.test_render import QUESTIONNAIRE, render

KINDS = [kind.name for kind in QUESTIONNAIRE.kinds]
PAGES = ["index.md", "architecture.md", "usage.md", "decisions.md"]


def nav_paths(nav: list[Any]) -> list[str]:
    """Every page path in a MkDocs nav, sections flattened."""
    paths: list[str] = []
    for entry in nav:
        (value,) = entry.values()
        paths.extend(nav_paths(value) if isinstance(value, list) else [value])
    return paths


def dev_extra(project: Path) -> list[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    extras: dict[str, list[str]] = pyproject["project"]["optional-dependencies"]
    return extras["dev"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_nav_page_and_published_file_exists(kind: str, tmp_path: Path) -> None:
    project = render(kind, {}, tmp_path / "p")

    # Plain YAML (no `!!python/name:` tags), so check-yaml and any parser read it.
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    published = config["extra"]["repository_files"]
    assert {"LICENSE", "pyproject.toml"} <= set(published)
    for listed in published:
        assert (project / listed).exists(), listed
    for page in nav_paths(config["nav"]):
        in_docs = (project / "docs" / page).is_file()
        in_repository = any(page == p or page.startswith(f"{p}/") for p in published)
        assert in_docs or (in_repository and (project / page).is_file()), page
    assert sorted(PAGES) == sorted(p for p in nav_paths(config["nav"]) if p in PAGES)
    assert (project / "docs" / "hooks.py").is_file()
    assert config["theme"] == config["theme"] | {"name": "material", "font": False}
    assert not {"social", "privacy"} & {
        next(iter(p)) if isinstance(p, dict) else p for p in config["plugins"]
    }


@pytest.mark.parametrize("kind", KINDS)
def test_the_readme_marks_the_sections_the_site_includes(kind: str, tmp_path: Path) -> None:
    project = render(kind, {}, tmp_path / "p")

    readme = (project / "README.md").read_text(encoding="utf-8")
    page = (project / "docs" / "usage.md").read_text(encoding="utf-8")
    assert '--8<-- "README.md:usage"' in page.splitlines()
    start = readme.index("<!-- --8<-- [start:usage] -->")
    assert start < readme.index("<!-- --8<-- [end:usage] -->")
    # The architecture page is a page of its own (it ships without the site too).
    assert "--8<--" not in (project / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "mkdocs==" in " ".join(dev_extra(project))
    assert "site/" in (project / ".gitignore").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("kind", KINDS)
def test_docs_site_off_leaves_no_trace_of_the_site(kind: str, tmp_path: Path) -> None:
    project = render(kind, {"docs_site": False}, tmp_path / "p")

    assert not (project / "mkdocs.yml").exists()
    # figures.py stays: it keeps the README's figures equal to the reports, site or not;
    # so does architecture.md, the detail the README's architecture section links to.
    site_files = [p for p in project.glob("docs/*") if p.suffix in {".md", ".py"}]
    assert sorted(p.name for p in site_files) == ["architecture.md", "figures.py"]
    assert "--8<--" not in (project / "README.md").read_text(encoding="utf-8")
    assert not [pin for pin in dev_extra(project) if pin.startswith("mkdocs")]
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    assert not {"docs", "pages"} & set(workflow["jobs"])
    assert "def docs(" not in (project / "noxfile.py").read_text(encoding="utf-8")


def test_the_chat_page_screenshot_stays_beside_the_site_pages(tmp_path: Path) -> None:
    with_ui = render("rag-chatbot", {}, tmp_path / "ui")
    without_ui = render("rag-chatbot", {"web_ui": False}, tmp_path / "no-ui")
    site_off = render("rag-chatbot", {"docs_site": False}, tmp_path / "off")

    site = {*PAGES, "hooks.py", "interview.md", "figures.py"}
    assert {p.name for p in (with_ui / "docs").iterdir()} == {*site, "chat-page.png"}
    assert {p.name for p in (without_ui / "docs").iterdir()} == site
    assert sorted(p.name for p in (site_off / "docs").iterdir()) == [
        "architecture.md",
        "chat-page.png",
        "figures.py",
    ]
    published = yaml.safe_load((without_ui / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "docs/chat-page.png" not in published["extra"]["repository_files"]


def test_pages_deploys_only_from_the_default_branch_after_every_check(tmp_path: Path) -> None:
    project = render("lora-finetune", {}, tmp_path / "p")

    jobs = yaml.safe_load((project / ".github/workflows/ci.yml").read_text(encoding="utf-8"))[
        "jobs"
    ]
    steps = [step.get("run", "") for step in jobs["docs"]["steps"]]
    assert "mkdocs build --strict" in steps
    # The kind's setup (here: the CPU build of PyTorch) comes before the install.
    assert any("download.pytorch.org/whl/cpu" in run for run in steps)
    upload = next(s for s in jobs["docs"]["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    pages = jobs["pages"]
    assert upload["if"] == pages["if"]
    assert pages["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert set(pages["needs"]) == {"docs", "lint", "typecheck", "test"}
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in pages["steps"]] == ["actions/deploy-pages"]


def test_the_question_is_asked_for_every_kind() -> None:
    for kind in KINDS:
        (question,) = [q for q in QUESTIONNAIRE.questions_for(kind) if q.name == "docs_site"]
        assert question.type == "bool"
        assert question.default is True
    assert (REPO_ROOT / "template" / "mkdocs.yml.jinja").is_file()


def test_the_interview_guide_quotes_the_reports_it_ships_with() -> None:
    kind = REPO_ROOT / "projects" / "rag-chatbot"
    guide = kind / "docs" / "interview.md"
    figures = REPO_ROOT / "template" / "docs" / "figures.py.jinja"

    result = subprocess.run(
        [sys.executable, str(figures), "--check", "--root", str(kind), str(guide)],
        capture_output=True,
        text=True,
        check=False,
    )
    # After merging regenerated reports, refresh the guide with the same command, no --check.
    assert result.returncode == 0, result.stderr
    assert len(re.findall("<!-- figure ", guide.read_text(encoding="utf-8"))) >= 12


@pytest.mark.parametrize("data_format", ["prompt_completion", "text"])
def test_the_lora_guide_quotes_the_results_shipped_for_its_data_format(
    data_format: str, tmp_path: Path
) -> None:
    # The guide's figures are filled from the template's results when it is rendered, and
    # plain text ships other results (and no generation metrics) than the JSONL formats.
    project = render("lora-finetune", {"data_format": data_format}, tmp_path / "p")
    guide = project / "docs" / "interview.md"

    result = subprocess.run(
        [sys.executable, str(project / "docs" / "figures.py"), "--check", str(guide)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = guide.read_text(encoding="utf-8")
    assert len(re.findall("<!-- figure ", text)) >= 12
    assert ("rouge_l" in text) is (data_format != "text")
