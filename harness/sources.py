"""The template files a picture is drawn from, followed through what they pull in.

A picture's declaration names the files that feed it directly (a page's Markdown, the
chat page's HTML, the module that serves it); `expand` adds what those files pull in
when rendered or run: Jinja's extends/include/import (paths from the template root),
a module's imports inside its own package (`from .x import`, `from {{ package_name }}.x
import`), and the pictures a Markdown page embeds. The list stays as narrow as the
declaration and as complete as the files' own references.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path

JINJA_REFERENCE = re.compile(
    r"\{%-?\s*(?:extends|include|import|from)\s+(?:'([^']+)'|\"([^\"]+)\")"
)
RELATIVE_IMPORT = re.compile(r"^\s*from\s+(\.+)([\w.]*)\s+import\s+([\w, ()]+)", re.MULTILINE)
PACKAGE_IMPORT = re.compile(r"^\s*from\s+\{\{ package_name \}\}\.([\w.]+)\s+import", re.MULTILINE)
EMBEDDED_PICTURE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.png)\)|<img [^>]*src=\"([^\"]+\.png)\"")
PACKAGE_FOLDER = "{{ package_name }}"
JINJA_TAG = re.compile(r"\{%.*?%\}")


class MissingSourceError(Exception):
    """A declared source, or a file one of them references, is not in the tree."""


def rendered_name(name: str) -> str:
    """A template file or folder name as a project shows it: conditions and `.jinja` gone."""
    return JINJA_TAG.sub("", name).removesuffix(".jinja")


def _child(folder: Path, name: str) -> list[Path]:
    """The entries of `folder` whose rendered name is `name` (several for either-or names)."""
    if not folder.is_dir():
        return []
    return sorted(entry for entry in folder.iterdir() if rendered_name(entry.name) == name)


def _resolve(folder: Path, parts: Iterable[str]) -> list[Path]:
    """Template paths that render as `folder/parts...`."""
    found = [folder]
    for part in parts:
        found = [child for entry in found for child in _child(entry, part)]
    return found


def _package_root(path: Path) -> Path | None:
    return next((parent for parent in path.parents if parent.name == PACKAGE_FOLDER), None)


def _module_files(package: Path, folder: Path, dotted: str) -> list[Path]:
    """The file (module.py[.jinja]) or package (__init__) a dotted name inside `package` names."""
    parts = [part for part in dotted.split(".") if part]
    modules = _resolve(folder, [*parts[:-1], f"{parts[-1]}.py"]) if parts else []
    packages = _resolve(folder, [*parts, "__init__.py"])
    return [path for path in modules + packages if package in (path, *path.parents)]


def _python_references(path: Path, text: str) -> list[Path]:
    """The modules of its own package a module imports.

    A test's imports are not followed (its picture declares what it uses): they would pull
    in every module the test file touches for its other tests.
    """
    package = _package_root(path)
    if package is None:
        return []
    found: list[Path] = []
    for dots, dotted, names in RELATIVE_IMPORT.findall(text):
        folder = path.parent
        for _ in range(len(dots) - 1):
            folder = folder.parent
        if dotted:
            found += _module_files(package, folder, dotted)
        else:  # `from . import a, b`: each name is a module beside this one
            for name in re.findall(r"\w+", names):
                found += _module_files(package, folder, name)
    for dotted in PACKAGE_IMPORT.findall(text):
        found += _module_files(package, package, dotted)
    return found


def _kind_folder(root: Path, path: Path) -> Path | None:
    """projects/KIND for a file of that kind, None for shared ones."""
    relative = path.relative_to(root).parts
    return root / "projects" / relative[1] if relative[0] == "projects" else None


def _embedded_pictures(root: Path, path: Path, text: str) -> list[Path]:
    """The PNGs a Markdown page or README embeds, as template paths of its kind.

    A link is relative to the page, as Markdown and the site read it: from the page's own
    template folder, which may be one of several either-or folders of the same name.
    """
    kind = _kind_folder(root, path)
    if kind is None:
        return []
    found: list[Path] = []
    for match in EMBEDDED_PICTURE.finditer(text):
        target = match[1] or match[2]
        if "://" in target or target.startswith("/"):
            continue
        parts = posixpath.normpath(target).split("/")
        folder = path.parent
        while parts and parts[0] == "..":
            folder, parts = folder.parent, parts[1:]
        if kind in (folder, *folder.parents):
            found += _resolve(folder, parts)
    return found


def references(root: Path, path: Path) -> list[Path]:
    """The files `path` pulls in when rendered, run or displayed."""
    name = rendered_name(path.name)
    if not (path.name.endswith(".jinja") or name.endswith((".py", ".md"))):
        return []  # data, pictures, pages: they reference nothing that is rendered
    text = path.read_text(encoding="utf-8")
    found: list[Path] = []
    if path.name.endswith(".jinja"):
        found += [root / (single or double) for single, double in JINJA_REFERENCE.findall(text)]
    if name.endswith(".py"):
        found += _python_references(path, text)
    if name.endswith(".md"):
        found += _embedded_pictures(root, path, text)
    return found


def expand(root: Path, declared: Iterable[str]) -> list[str]:
    """Every file the declared sources (files or folders) stand for, sorted, from `root`.

    Raises MissingSourceError naming the first declared or referenced path that is absent.
    """
    seen: set[Path] = set()
    pending = [(root / name, name) for name in declared]
    while pending:
        path, named_by = pending.pop()
        if path in seen:
            continue
        if path.is_dir():
            pending += [
                (child, named_by)
                for child in path.rglob("*")
                if child.is_file() and "__pycache__" not in child.parts
            ]
            continue
        if not path.is_file():
            raise MissingSourceError(f"{path.relative_to(root)} (named by {named_by})")
        seen.add(path)
        named = str(path.relative_to(root))
        pending += [(reference, named) for reference in references(root, path)]
    return sorted(str(path.relative_to(root)) for path in seen)


def sha256(path: Path) -> str:
    """The file's content hash: what the manifest records for pictures and sources."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
