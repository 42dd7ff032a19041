"""Hatch build hook: ship the template's git history as a bundle.

`genai-scaffold update` needs the template as a git repository with its release tags
(see generator/genai_scaffold/template_source.py). The wheel therefore carries
`genai_scaffold/_template.bundle`, made here with `git bundle create --all`; the sdist
carries it at its root, so a wheel built from the sdist (no .git) still gets it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = "_template.bundle"


class TemplateBundleHook(BuildHookInterface):
    """Add the template bundle to the wheel and the sdist."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":  # a source checkout is its own git repository
            return
        root = Path(self.root)
        self._workdir = Path(tempfile.mkdtemp(prefix="genai-scaffold-bundle-"))
        bundle = self._workdir / BUNDLE
        if (root / ".git").exists():
            subprocess.run(
                ["git", "bundle", "create", str(bundle), "--all"],
                cwd=root,
                check=True,
                capture_output=True,
            )
        elif (root / BUNDLE).is_file():  # building the wheel from an unpacked sdist
            shutil.copyfile(root / BUNDLE, bundle)
        else:
            self.app.display_warning(
                f"no .git and no {BUNDLE}: this build cannot update projects it generates"
            )
            return
        target = f"genai_scaffold/{BUNDLE}" if self.target_name == "wheel" else BUNDLE
        build_data["force_include"][str(bundle)] = target

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if workdir := getattr(self, "_workdir", None):
            shutil.rmtree(workdir, ignore_errors=True)
