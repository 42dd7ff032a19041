"""Where the template comes from, and how an installed CLI keeps projects updatable.

Copier can only update a project whose answers file names a git repository and a
commit. The answers file therefore records the template's canonical git URL (the
`Repository` URL of the package metadata, or `$GENAI_SCAFFOLD_TEMPLATE_URL`), which
resolves on any machine: a teammate with only Copier and a network updates with plain
`copier update`.

The installed CLI works offline all the same. The wheel ships the template's git history
as a bundle (`_template.bundle`, made at build time by `hatch_build.py`); before each use
the CLI copies it to a user-level path (`~/.local/share/genai-scaffold/template.bundle` on
Linux, or `$GENAI_SCAFFOLD_HOME/template.bundle`) and has git read the canonical URL from
that bundle (`url.<bundle>.insteadOf <URL>`, for Copier's git commands only). Upgrading
genai-scaffold replaces the bundle, so `genai-scaffold update` finds the project's old
commit and the new release without a network.

From a source checkout (no bundle shipped), the checkout itself is the source, rendered
at HEAD with uncommitted changes included.
"""

from __future__ import annotations

import contextlib
import errno
import filecmp
import os
import shutil
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from genai_scaffold import DISTRIBUTION, git
from genai_scaffold.errors import FilesystemError, TemplateNotFoundError

if TYPE_CHECKING:
    from genai_scaffold.copier_bridge import Hints

PACKAGE = "genai_scaffold"
EMBEDDED_TREE = "_template"
EMBEDDED_BUNDLE = "_template.bundle"
BUNDLE_NAME = "template.bundle"
MIRROR_CACHE = "copier-cache"
HOME_VARIABLE = "GENAI_SCAFFOLD_HOME"
URL_VARIABLE = "GENAI_SCAFFOLD_TEMPLATE_URL"
# Used only when the package metadata is not there (a checkout that is not installed).
FALLBACK_URL = "https://github.com/genai-scaffold/genai-scaffold.git"


@dataclass(frozen=True)
class TemplateSource:
    """What Copier copies from.

    `src` is the string Copier receives (and records as `_src_path`); `vcs_ref` the git
    reference to render, None for the latest release tag; `root` a local folder holding
    the same copier.yml and projects/, for listing kinds without a git checkout (None
    for a remote URL); `stand_in` a local git repository or bundle that git reads in
    place of the URL `src` (the installed bundle), None to use `src` itself.
    """

    src: str
    vcs_ref: str | None
    root: Path | None
    stand_in: Path | None = None
    from_option: bool = False
    ref_from_option: bool = False

    def hints(self) -> Hints:
        """Hints for a failed fetch or a missing revision, naming only options used."""
        from genai_scaffold.copier_bridge import Hints

        if self.from_option:
            fetch = "check the --template path or URL" + (
                " and --vcs-ref" if self.ref_from_option else ""
            )
        else:
            fetch = "reinstall genai-scaffold: its copy of the template cannot be read"
        if self.ref_from_option:
            revision = "check --vcs-ref (git tag -l in the template lists its releases)"
        else:
            revision = "pass --vcs-ref with a tag, branch or commit the template has"
        return Hints(fetch=fetch, revision=revision)


def user_home() -> Path:
    """The user-level folder where the template bundle lives between runs."""
    if custom := os.environ.get(HOME_VARIABLE):
        return Path(custom).expanduser()
    from platformdirs import user_data_path

    return user_data_path("genai-scaffold", appauthor=False)


def stable_bundle_path() -> Path:
    return user_home() / BUNDLE_NAME


def mirror_cache() -> Path:
    """Where Copier keeps its git mirror of the canonical URL, read from the bundle.

    Apart from the cache plain `copier` keeps for the real URL, so the two never mix.
    """
    return user_home() / MIRROR_CACHE


def canonical_url() -> str:
    """The template's git URL as answers files record it, the same on every machine."""
    if custom := os.environ.get(URL_VARIABLE):
        return custom
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata(DISTRIBUTION).get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            url = url.strip()
            return url if url.endswith(".git") else f"{url}.git"
    return FALLBACK_URL


def is_installed_template(recorded_source: str) -> bool:
    """Whether an answers file's `_src_path` names the template this tool ships.

    Projects from before the canonical URL recorded the user-level bundle's path.
    """
    if recorded_source == canonical_url():
        return True
    return Path(recorded_source).expanduser() == stable_bundle_path()


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
    """Copy the shipped bundle to the stable path, unless the same bytes are there.

    A new bundle also empties Copier's mirror cache. Copier refreshes a cached mirror
    with `git remote update --prune`, which drops the branches the new bundle lacks but
    keeps the mirror's HEAD pointing at one of them (a release built from a branch
    other than the last one's), and every later render then fails on "invalid
    reference: HEAD". The next run clones the new bundle afresh: a second or two, once.

    A home folder that is read-only (containers, some CI runners) or full is reported as
    a FilesystemError naming the folder and GENAI_SCAFFOLD_HOME, and nothing is left
    behind: no partial bundle, no folders this call created.
    """
    target = stable_bundle_path()
    partial = target.with_suffix(".partial")
    # os.path.exists, not Path.exists: it answers False where HOME cannot be read, not raise.
    folders = (target.parent, *target.parent.parents)
    created = [path for path in folders if not os.path.exists(path)]  # noqa: PTH110
    try:
        if target.is_file() and filecmp.cmp(bundle, target, shallow=False):
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bundle, partial)
        partial.replace(target)  # atomic: a concurrent run never sees half a bundle
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        for folder in created:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise _home_error(error, target) from error
    shutil.rmtree(mirror_cache(), ignore_errors=True)
    return target


def _home_error(error: OSError, target: Path) -> FilesystemError:
    """The failure to keep the template copy, with a fix that does not need the home folder."""
    if error.errno in {errno.ENOSPC, errno.EDQUOT}:
        hint = f"free some space there, or set {HOME_VARIABLE} to a folder on another disk"
    else:
        hint = (
            "genai-scaffold keeps its copy of the template there: "
            f"set {HOME_VARIABLE} to a folder you can write"
        )
    return FilesystemError(f"cannot write {target}: {error.strerror or error}", hint=hint)


def installed_stand_in() -> Path | None:
    """The user-level bundle, refreshed from the installed release; None from a checkout."""
    bundle = shipped_bundle()
    return install_bundle(bundle) if bundle is not None else None


def ref_to_render(repository: Path) -> str | None:
    """None (Copier takes the latest release tag), or HEAD's commit for an untagged one.

    Copier takes HEAD too, but prints a warning first, and a development build is no
    reason to warn its users. The commit id, not the name HEAD, because Copier renders
    from its cached mirror, whose own HEAD need not be the bundle's.
    """
    if git.remote_tags(str(repository)):
        return None
    return git.remote_head(str(repository)) or "HEAD"


def default_source() -> TemplateSource:
    """The template genai-scaffold ships with."""
    root = embedded_root()
    if (stand_in := installed_stand_in()) is not None:
        return TemplateSource(
            canonical_url(), vcs_ref=ref_to_render(stand_in), root=root, stand_in=stand_in
        )
    # An editable install renders its checkout's HEAD, uncommitted changes included:
    # asking Copier for the latest tag would warn when the checkout has none.
    vcs_ref = "HEAD" if (root / ".git").exists() else None
    return TemplateSource(str(root), vcs_ref=vcs_ref, root=root)


def resolve_source(template: str | None, vcs_ref: str | None) -> TemplateSource:
    """The source for `--template` and `--vcs-ref`, or the default one."""
    if template is None:
        source = default_source()
        return replace(
            source, vcs_ref=vcs_ref or source.vcs_ref, ref_from_option=vcs_ref is not None
        )
    ref_given = vcs_ref is not None
    local = Path(template).expanduser()
    if local.exists():
        if local.is_dir() and not (local / "copier.yml").is_file():
            raise TemplateNotFoundError(
                f"{template} has no copier.yml, so it is not a genai-scaffold template",
                hint="point --template at the root of a genai-scaffold checkout",
            )
        root = local.resolve() if local.is_dir() else None
        if vcs_ref is None and root is not None and not git.has_tags(root):
            vcs_ref = "HEAD"  # what Copier takes too, after printing a warning
        return TemplateSource(
            str(local.resolve()), vcs_ref, root, from_option=True, ref_from_option=ref_given
        )
    if "://" in template or template.startswith(("git@", "gh:", "gl:")):
        return TemplateSource(template, vcs_ref, None, from_option=True, ref_from_option=ref_given)
    raise TemplateNotFoundError(
        f"template '{template}' does not exist",
        hint="pass a local folder, a .bundle file or a git URL to --template",
    )
