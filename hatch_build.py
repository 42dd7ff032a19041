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
deepened); the build then warns instead of stopping.
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


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
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


class TemplateBundleHook(BuildHookInterface):
    """Add the template bundle to the wheel and the sdist."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":  # a source checkout is its own git repository
            return
        root = Path(self.root)
        release = _flag(RELEASE_VARIABLE)
        if (root / ".git").exists():
            allow_shallow = _flag(ALLOW_SHALLOW_VARIABLE)
            problem = checkout_problem(
                root, self.metadata.version, release=release, allow_shallow=allow_shallow
            )
            if problem:
                self.app.abort(f"genai-scaffold cannot be built: {problem}")
            if allow_shallow and _git(root, "rev-parse", "--is-shallow-repository") == "true":
                self.app.display_warning(
                    f"{ALLOW_SHALLOW_VARIABLE} is set: bundling a shallow clone, so this "
                    "install cannot update projects made from older commits"
                )
        self._workdir = Path(tempfile.mkdtemp(prefix="genai-scaffold-bundle-"))
        bundle = self._workdir / BUNDLE
        if (root / ".git").exists():
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
