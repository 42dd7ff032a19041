"""Where the template comes from, and how an installed CLI keeps projects updatable.

Copier can only update a project whose answers file names a git repository and a
commit. A template copied out of an installed wheel is a plain folder, so the wheel also
ships the template's git history as a bundle (`_template.bundle`, made at build time by
`hatch_build.py`). Before each use the CLI copies that bundle to a stable, user-level
path (`~/.local/share/genai-scaffold/template.bundle` on Linux, or
`$GENAI_SCAFFOLD_HOME/template.bundle`) and hands that path to Copier, which records it
as `_src_path`. Reinstalling or upgrading genai-scaffold replaces the bundle at that same
path with one holding the new tags, so `genai-scaffold update` finds both the project's
old commit and the new release, offline.

From a source checkout (no bundle shipped), the checkout itself is the source, rendered
at HEAD with uncommitted changes included.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from genai_scaffold.errors import TemplateNotFoundError

PACKAGE = "genai_scaffold"
EMBEDDED_TREE = "_template"
EMBEDDED_BUNDLE = "_template.bundle"
BUNDLE_NAME = "template.bundle"
HOME_VARIABLE = "GENAI_SCAFFOLD_HOME"


@dataclass(frozen=True)
class TemplateSource:
    """What Copier copies from.

    `src` is the string Copier receives (and records as `_src_path`); `vcs_ref` the git
    reference to render, None for the latest release tag; `root` a local folder holding
    the same copier.yml and projects/, for listing kinds without a git checkout (None
    for a remote URL).
    """

    src: str
    vcs_ref: str | None
    root: Path | None


def user_home() -> Path:
    """The user-level folder where the template bundle lives between runs."""
    if custom := os.environ.get(HOME_VARIABLE):
        return Path(custom).expanduser()
    from platformdirs import user_data_path

    return user_data_path("genai-scaffold", appauthor=False)


def stable_bundle_path() -> Path:
    return user_home() / BUNDLE_NAME


def as_recorded(path: Path) -> str:
    """`~/...` when under the home folder, so answers files carry no user name."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def embedded_root() -> Path:
    """The template tree inside the installed package, or the source checkout's root."""
    packaged = Path(str(resources.files(PACKAGE) / EMBEDDED_TREE))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "copier.yml").is_file():
        return checkout
    raise TemplateNotFoundError(
        "genai-scaffold's own template is missing from this installation",
        hint="reinstall genai-scaffold, or pass --template PATH_OR_URL",
    )


def shipped_bundle() -> Path | None:
    bundle = Path(str(resources.files(PACKAGE) / EMBEDDED_BUNDLE))
    return bundle if bundle.is_file() else None


def install_bundle(bundle: Path) -> Path:
    """Copy the shipped bundle to the stable path, unless the same bytes are there."""
    target = stable_bundle_path()
    if target.is_file() and filecmp.cmp(bundle, target, shallow=False):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(bundle, partial)
    partial.replace(target)  # atomic: a concurrent run never sees half a bundle
    return target


def default_source() -> TemplateSource:
    """The template genai-scaffold ships with."""
    root = embedded_root()
    bundle = shipped_bundle()
    if bundle is not None:
        return TemplateSource(as_recorded(install_bundle(bundle)), vcs_ref=None, root=root)
    vcs_ref = "HEAD" if (root / ".git").exists() else None
    return TemplateSource(str(root), vcs_ref=vcs_ref, root=root)


def resolve_source(template: str | None, vcs_ref: str | None) -> TemplateSource:
    """The source for `--template` and `--vcs-ref`, or the default one."""
    if template is None:
        source = default_source()
        return TemplateSource(source.src, vcs_ref or source.vcs_ref, source.root)
    local = Path(template).expanduser()
    if local.exists():
        if local.is_dir() and not (local / "copier.yml").is_file():
            raise TemplateNotFoundError(
                f"{template} has no copier.yml, so it is not a genai-scaffold template",
                hint="point --template at the root of a genai-scaffold checkout",
            )
        root = local.resolve() if local.is_dir() else None
        return TemplateSource(str(local.resolve()), vcs_ref, root)
    if "://" in template or template.startswith(("git@", "gh:", "gl:")):
        return TemplateSource(template, vcs_ref, root=None)
    raise TemplateNotFoundError(
        f"template '{template}' does not exist",
        hint="pass a local folder, a .bundle file or a git URL to --template",
    )
