"""Create a generated project's virtual environment and install into it: uv, else pip.

uv installs a project's dependencies (PyTorch, LangChain, ...) in seconds from its cache,
where pip takes minutes; the result is the same environment, so the project's checks are
the same. Without uv, the harness does exactly what the project's README says.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Installer:
    """The commands that make and fill a virtual environment; `uv` is its path or None."""

    uv: str | None

    @classmethod
    def find(cls) -> Installer:
        """Uv as nox finds it: `$UV`, the `uv` package beside nox, or PATH."""
        if named := os.environ.get("UV"):
            return cls(shutil.which(named))
        try:
            from uv import find_uv_bin

            return cls(find_uv_bin())
        except (ImportError, FileNotFoundError):
            return cls(shutil.which("uv"))

    @property
    def name(self) -> str:
        """What the session log names: "uv" or "pip"."""
        return "uv" if self.uv else "pip"

    def make_venv(self, python: str, venv: Path) -> list[str]:
        """The command that creates `venv` with the interpreter `python` (a name on PATH)."""
        if self.uv:
            # --seed puts pip in, as `python -m venv` does: `python -m build` and a
            # project's own tests may run it. No download: the interpreter must be here.
            interpreter = shutil.which(python) or python
            return [
                self.uv,
                "venv",
                "--quiet",
                "--seed",
                "--no-python-downloads",
                "--python",
                interpreter,
                str(venv),
            ]
        return [python, "-m", "venv", str(venv)]

    def install(self, venv: Path, *requirements: str) -> list[str]:
        """The command that installs `requirements` (pip's arguments) into `venv`."""
        python = str(venv / "bin" / "python")
        if self.uv:
            return [self.uv, "pip", "install", "--quiet", "--python", python, *requirements]
        return [python, "-m", "pip", "install", "--quiet", *requirements]

    def build(self, python: str, *arguments: str) -> list[str]:
        """The command that builds a project's sdist and wheel, as `python -m build` does.

        Each build fills two isolated environments with the build backend; with uv
        (`variables` says where it is) each takes a second instead of pip's several.
        """
        installer = ["--installer", "uv"] if self.uv else []
        return [python, "-m", "build", *installer, *arguments]

    @property
    def variables(self) -> dict[str, str]:
        """What tells `build` and the generator's tests where uv is: `$UV`, as nox reads it."""
        return {"UV": self.uv} if self.uv else {}

    @staticmethod
    def constrained(constraints: Path) -> dict[str, str]:
        """The variables that make either installer honour a constraints file."""
        return {"PIP_CONSTRAINT": str(constraints), "UV_CONSTRAINT": str(constraints)}
