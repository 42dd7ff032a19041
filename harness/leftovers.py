"""Find what a correct rendering never leaves: template syntax and `.rej` files.

Shared by the generator's tests and the nox harness. GitHub's own `${{ }}` expressions
are expected in workflows, and Jinja templates of a generated web app live under a
`templates/` folder; binary files (images, PDFs, weights) are not text to search.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATE_SYNTAX = re.compile(r"(?<!\$)\{\{|\{%")
APP_TEMPLATES_DIR = "templates"
SKIPPED_DIRS = {".git", ".venv", ".nox"}


def _text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def find_leftovers(project: Path) -> list[str]:
    """`path:line` of each file holding template syntax, and each `.rej` file."""
    found = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if not path.is_file() or SKIPPED_DIRS & set(relative.parts):
            continue
        if path.suffix == ".rej":
            found.append(f"{relative.as_posix()} (a conflict file)")
            continue
        if APP_TEMPLATES_DIR in relative.parts[:-1] or (text := _text(path)) is None:
            continue
        if match := TEMPLATE_SYNTAX.search(text):
            found.append(f"{relative.as_posix()}:{text.count(chr(10), 0, match.start()) + 1}")
    return found
