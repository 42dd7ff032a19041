"""The README's figures are read from the reports, never typed by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_every_figure_in_the_readme_matches_its_report() -> None:
    readme = PROJECT_ROOT / "README.md"
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "docs" / "figures.py"), "--check", str(readme)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    text = readme.read_text(encoding="utf-8")
    assert "<!-- figure reports/generalisation.json#/macro/test/ours/file_hit@1 " in text
    assert "<!-- figure reports/eval.json#/metrics/hit@1 " in text
