"""Release integrity: a build from a checkout that cannot make a sound bundle stops clearly."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hatch_build import checkout_problem
from tests.conftest import REPO_ROOT, commit, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small repository with two commits, the first tagged v0.1.0."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch=main")
    (root / "a.txt").write_text("one")
    commit(root, "one", tag="v0.1.0")
    (root / "a.txt").write_text("two")
    commit(root, "two")
    return root


def test_a_shallow_clone_cannot_make_the_bundle(repo: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{repo}", str(shallow))

    problem = checkout_problem(shallow, "0.1.0", release=False)

    assert problem is not None
    assert problem.startswith("this checkout is shallow")
    assert "fetch-depth: 0" in problem


def test_a_shallow_clone_builds_when_allowed_but_never_for_a_release(
    repo: Path, tmp_path: Path
) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{repo}", str(shallow))

    assert checkout_problem(shallow, "0.1.0", release=False, allow_shallow=True) is None
    problem = checkout_problem(shallow, "0.1.0", release=True, allow_shallow=True)
    assert problem is not None
    assert problem.startswith("this checkout is shallow")


def test_a_tag_that_disagrees_with_the_version_stops_the_build(repo: Path) -> None:
    git(repo, "tag", "v0.2.0")

    problem = checkout_problem(repo, "0.1.0", release=False)

    assert problem == (
        "HEAD is tagged v0.2.0 but pyproject.toml says version 0.1.0; make them agree "
        "(tag v0.1.0, or set the version to the tag's)"
    )


def test_a_release_needs_tags_and_its_own_tag_on_head(repo: Path, tmp_path: Path) -> None:
    untagged = tmp_path / "untagged"
    git(tmp_path, "clone", "--quiet", "--no-tags", f"file://{repo}", str(untagged))

    assert checkout_problem(untagged, "0.2.0", release=True) == (
        "this checkout has no tags, so projects would record no release; fetch them "
        "(git fetch --tags) or build from a full clone"
    )
    assert checkout_problem(repo, "0.2.0", release=True) == (
        "a release is built from the commit tagged v0.2.0, and HEAD is not"
    )
    git(repo, "tag", "v0.2.0")
    assert checkout_problem(repo, "0.2.0", release=True) is None


def test_a_development_build_from_a_full_untagged_clone_is_fine(repo: Path, tmp_path: Path) -> None:
    untagged = tmp_path / "untagged"
    git(tmp_path, "clone", "--quiet", "--no-tags", f"file://{repo}", str(untagged))

    assert checkout_problem(untagged, "0.1.0", release=False) is None


def test_building_the_wheel_from_a_shallow_clone_fails_with_the_reason(tmp_path: Path) -> None:
    shallow = tmp_path / "genai-scaffold"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{REPO_ROOT}", str(shallow))
    shutil.copy2(REPO_ROOT / "hatch_build.py", shallow / "hatch_build.py")  # this version

    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", "dist"],
        cwd=shallow,
        capture_output=True,
        text=True,
    )

    assert built.returncode != 0
    assert "genai-scaffold cannot be built: this checkout is shallow" in built.stdout + built.stderr
    assert not (shallow / "dist").exists() or not list((shallow / "dist").glob("*.whl"))


def test_the_release_workflow_builds_from_a_full_clone_and_publishes_both_artifacts() -> None:
    workflow = yaml.safe_load((REPO_ROOT / ".github/workflows/release.yml").read_text())
    build_steps = workflow["jobs"]["build"]["steps"]
    checkout = next(
        step for step in build_steps if step.get("uses", "").startswith("actions/checkout")
    )
    build = next(step for step in build_steps if step.get("run") == "python -m build")

    assert checkout["with"]["fetch-depth"] == 0
    assert build["env"] == {"GENAI_SCAFFOLD_RELEASE": "1"}  # sdist and wheel, release checks on
    assert workflow["jobs"]["publish"]["permissions"] == {"id-token": "write"}
