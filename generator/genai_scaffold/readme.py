"""Read the Quickstart commands back out of a generated README."""

from __future__ import annotations

from pathlib import Path

QUICKSTART_HEADING = "## Quickstart"


def quickstart_commands(readme: Path) -> list[str]:
    """The lines of the first code block under the Quickstart heading ([] if none)."""
    lines = readme.read_text(encoding="utf-8").splitlines() if readme.is_file() else []
    if QUICKSTART_HEADING not in lines:
        return []
    commands: list[str] = []
    in_block = False
    for line in lines[lines.index(QUICKSTART_HEADING) + 1 :]:
        if line.startswith("```"):
            if in_block:
                return commands
            in_block = True
        elif in_block:
            commands.append(line)
        elif line.startswith("## "):
            break
    return commands
