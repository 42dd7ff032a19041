"""Hatch build hook: ship the template's git history as a bundle, from a sound checkout.

`genai-scaffold update` needs the template as a git repository with its release tags
(see generator/genai_scaffold/template_source.py). The wheel therefore carries
`genai_scaffold/_template.bundle`, made here with `git bundle create --all`; the sdist
carries it at its root, so a wheel built from the sdist (no .git) still gets it.

A bundle is only as good as the checkout it is made from, so the build stops with one
clear message when that checkout cannot give a sound one:
- a shallow clone (CI's default checkout) would bundle a single commit, and updating
  an older project would then fail deep inside git;
- a commit tagged `vX` whose pyproject.toml says another version would record one
  version and install another;
- a release build (`GENAI_SCAFFOLD_RELEASE=1`, set by the release workflow) must be
  made from the commit tagged `v<version>`, with the earlier tags present.
`GENAI_SCAFFOLD_ALLOW_SHALLOW=1` builds from a shallow clone anyway, for a throwaway
install that will never update an older project (a CI job whose checkout cannot be
deepened); the build then warns instead of stopping, and bundles HEAD's files as one
parentless commit (see `bundle_shallow_head`).
Editable installs skip all this: a checkout renders its own HEAD.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = "_template.bundle"
RELEASE_VARIABLE = "GENAI_SCAFFOLD_RELEASE"
ALLOW_SHALLOW_VARIABLE = "GENAI_SCAFFOLD_ALLOW_SHALLOW"


def _git(root: Path, *args: str, environment: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, env=environment, check=True, capture_output=True, text=True
    ).stdout.strip()


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in {"", "0"}


def checkout_problem(
    root: Path, version: str, *, release: bool, allow_shallow: bool = False
) -> str | None:
    """Why the git checkout at `root` cannot make a sound bundle for `version`, or None."""
    shallow = _git(root, "rev-parse", "--is-shallow-repository") == "true"
    if shallow and not (allow_shallow and not release):
        return (
            "this checkout is shallow, so the template bundle would hold one commit and "
            "`genai-scaffold update` could not reach older projects' versions; clone with "
            "full history and tags (actions/checkout: fetch-depth: 0, or run "
            "`git fetch --unshallow --tags`)"
        )
    expected = f"v{version}"
    head_tags = [tag for tag in _git(root, "tag", "--points-at", "HEAD").split() if tag]
    releases = [tag for tag in head_tags if tag.startswith("v")]
    if releases and expected not in releases:
        return (
            f"HEAD is tagged {', '.join(releases)} but pyproject.toml says version "
            f"{version}; make them agree (tag {expected}, or set the version to the tag's)"
        )
    if release and not _git(root, "tag", "--list"):
        return (
            "this checkout has no tags, so projects would record no release; fetch them "
            "(git fetch --tags) or build from a full clone"
        )
    if release and expected not in head_tags:
        return f"a release is built from the commit tagged {expected}, and HEAD is not"
    return None


def bundle_shallow_head(root: Path, bundle: Path) -> None:
    """Bundle the files at HEAD of the shallow clone `root` as a one-commit history.

    `git bundle create --all` in a shallow clone writes a bundle whose commits name
    parents it does not hold, and cloning it fails ("remote did not send all necessary
    objects"). A scratch repository borrowing the clone's objects (git alternates)
    commits HEAD's tree without a parent, under HEAD's own branch name and date, and
    bundles that.
    """
    tree = _git(root, "rev-parse", "HEAD^{tree}")
    branch = _git(root, "branch", "--show-current") or "main"
    objects = (root / _git(root, "rev-parse", "--git-common-dir") / "objects").resolve()
    when = _git(root, "log", "-1", "--format=%cI")
    with tempfile.TemporaryDirectory(prefix="genai-scaffold-shallow-") as scratch:
        scratch_root = Path(scratch)
        _git(scratch_root, "init", "--quiet", "--bare")
        (scratch_root / "objects" / "info" / "alternates").write_text(f"{objects}\n")
        builder = ("genai-scaffold build", "build@genai-scaffold.invalid")
        environment = {
            **os.environ,
            "GIT_AUTHOR_NAME": builder[0],
            "GIT_AUTHOR_EMAIL": builder[1],
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": builder[0],
            "GIT_COMMITTER_EMAIL": builder[1],
            "GIT_COMMITTER_DATE": when,
        }
        message = "the template files at a shallow clone's HEAD"
        commit = _git(scratch_root, "commit-tree", tree, "-m", message, environment=environment)
        _git(scratch_root, "update-ref", f"refs/heads/{branch}", commit)
        _git(scratch_root, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
        _git(scratch_root, "bundle", "create", str(bundle), "--all")


class TemplateBundleHook(BuildHookInterface):
    """Add the template bundle to the wheel and the sdist."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":  # a source checkout is its own git repository
            return
        root = Path(self.root)
        release = _flag(RELEASE_VARIABLE)
        if (root / ".git").exists():
            problem = checkout_problem(
                root,
                self.metadata.version,
                release=release,
                allow_shallow=_flag(ALLOW_SHALLOW_VARIABLE),
            )
            if problem:
                self.app.abort(f"genai-scaffold cannot be built: {problem}")
        self._workdir = Path(tempfile.mkdtemp(prefix="genai-scaffold-bundle-"))
        bundle = self._workdir / BUNDLE
        if (root / ".git").exists():
            if _git(root, "rev-parse", "--is-shallow-repository") == "true":  # allowed
                self.app.display_warning(
                    f"{ALLOW_SHALLOW_VARIABLE} is set: bundling a shallow clone's HEAD "
                    "alone, so this install cannot update projects made from older commits"
                )
                bundle_shallow_head(root, bundle)
            else:
                _git(root, "bundle", "create", str(bundle), "--all")
        elif (root / BUNDLE).is_file():  # building the wheel from an unpacked sdist
            shutil.copyfile(root / BUNDLE, bundle)
        else:
            self.app.abort(
                f"genai-scaffold cannot be built: no .git and no {BUNDLE}, so generated "
                "projects could not be updated; build from a git clone or from the sdist"
            )
        target = f"genai_scaffold/{BUNDLE}" if self.target_name == "wheel" else BUNDLE
        build_data["force_include"][str(bundle)] = target

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if workdir := getattr(self, "_workdir", None):
            shutil.rmtree(workdir, ignore_errors=True)
