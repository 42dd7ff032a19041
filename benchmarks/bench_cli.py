"""Benchmark the CLI against plain Copier and print the figures.

    python benchmarks/bench_cli.py [--repeat 5]

Prints the median wall time of `genai-scaffold --help`, and for each kind the median
wall time of `genai-scaffold new KIND DEST --defaults --no-git` next to
`copier copy --defaults -d kind=KIND --vcs-ref HEAD REPO DEST` on the same answers, with
their ratio (the CLI's overhead). Targets: `--help` well under 0.3 s; overhead <= 10%.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO_ROOT / "generator"))

from genai_scaffold.questionnaire import Questionnaire  # noqa: E402


def median_seconds(command: Callable[[int], list[str]], repeat: int, workdir: Path) -> float:
    """Median wall time of `command(i)` over `repeat` runs (after one warm-up run)."""
    times = []
    for index in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(command(index), cwd=workdir, check=True, capture_output=True)
        if index:  # the first run warms the file cache and Python's bytecode cache
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure")
    args = parser.parse_args()
    cli = str(BIN / "genai-scaffold")
    copier = str(BIN / "copier")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        help_time = median_seconds(lambda _: [cli, "--help"], args.repeat, workdir)
        print(f"genai-scaffold --help: {help_time * 1000:.0f} ms (target < 300 ms)")
        print(f"{'kind':<20} {'genai-scaffold new':>19} {'copier copy':>12} {'overhead':>9}")
        for kind in Questionnaire(REPO_ROOT).kinds:
            ours = median_seconds(
                lambda i, k=kind.name: [cli, "new", k, f"ours-{k}-{i}", "--defaults", "--no-git"],
                args.repeat,
                workdir,
            )
            plain = median_seconds(
                lambda i, k=kind.name: [
                    copier,
                    "copy",
                    "--quiet",
                    "--defaults",
                    "-d",
                    f"kind={k}",
                    "--vcs-ref",
                    "HEAD",
                    str(REPO_ROOT),
                    f"plain-{k}-{i}",
                ],
                args.repeat,
                workdir,
            )
            print(f"{kind.name:<20} {ours:>17.2f} s {plain:>10.2f} s {ours / plain - 1:>+8.1%}")
            for path in workdir.iterdir():
                shutil.rmtree(path)


if __name__ == "__main__":
    main()
