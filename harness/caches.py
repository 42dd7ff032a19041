"""Caches the generated projects of one checkout share, so no session rebuilds another's work.

Every session renders a fresh project, and a fresh project starts with empty caches.
lora-finetune's pretrained demo base (`.cache/base-models/`) is the costliest of them to
fill and safe to share: each base sits in a folder named by a hash of its model and
pretraining settings and corpus, and appears there only once complete, so the fast and
slow sessions and every answer set of one run, and the next run, build it once.

It lives in `.nox/shared/`, so `rm -rf .nox` (or a clean clone) starts it afresh. The
pretrained bases are kept apart per version of the kind's source: a base an older
`pretrain` built is never reused, even if its settings' hash is the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

# The folder, inside a project of the kind, that holds what its first run builds.
BUILT_CACHES = {"lora-finetune": ".cache/base-models"}


def source_digest(folder: Path) -> str:
    """A short hash of every file under `folder` (names and bytes): its version."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def share_built_cache(root: Path, kind: str, project: Path) -> Path | None:
    """Point `project`'s build cache at the one shared by this checkout; None if it has none.

    `root` is the generator's checkout; the shared folder is named by the kind's source.
    """
    inside = BUILT_CACHES.get(kind)
    if inside is None:
        return None
    kind_root = root / "projects" / kind
    shared = root / ".nox" / "shared" / kind / source_digest(kind_root / "src")
    shared.mkdir(parents=True, exist_ok=True)
    link = project / inside
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(shared, target_is_directory=True)
    return shared
