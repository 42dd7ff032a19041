"""Benchmark the CLI against plain Copier and print the figures.

    python benchmarks/bench_cli.py [--repeat 5]

Prints the wall time of `genai-scaffold --help` and `new --help` (which reads the kinds
from the template), and for each kind the wall time of
`genai-scaffold new KIND DEST --defaults --no-git` next to
`copier copy --defaults -d kind=KIND --vcs-ref HEAD REPO DEST` on the same answers, with
the ratio of their medians (the CLI's overhead). Each figure is the median of `--repeat`
runs after one warm-up, with the spread (min-max). The two commands of a kind run in
turn, so that a busy machine slows both alike. Targets: `--help` well under 0.3 s;
overhead <= 10%.
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

Command = Callable[[int], list[str]]


def timed_runs(commands: list[Command], repeat: int, workdir: Path) -> list[list[float]]:
    """Wall times of each command over `repeat` rounds (after a warm-up round), in turn."""
    times: list[list[float]] = [[] for _ in commands]
    for index in range(repeat + 1):
        for command, runs in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(command(index), cwd=workdir, check=True, capture_output=True)
            if index:  # the first round warms the file cache and Python's bytecode cache
                runs.append(time.perf_counter() - start)
    return times


def shown(runs: list[float], unit: float = 1.0, digits: int = 2) -> str:
    """`median (min-max)` in seconds (unit 1) or milliseconds (unit 1000)."""
    low, middle, high = min(runs) * unit, statistics.median(runs) * unit, max(runs) * unit
    return f"{middle:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure")
    args = parser.parse_args()
    cli = str(BIN / "genai-scaffold")
    copier = str(BIN / "copier")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for command in (["--help"], ["new", "--help"]):
            (runs,) = timed_runs([lambda _, c=command: [cli, *c]], args.repeat, workdir)
            label = " ".join(["genai-scaffold", *command]) + ":"
            print(f"{label:<27} {shown(runs, 1000, 0)} ms (target < 300 ms)")
        print(
            f"{'kind':<18} {'genai-scaffold new (s)':>24} {'copier copy (s)':>20} {'overhead':>9}"
        )
        for kind in Questionnaire(REPO_ROOT).kinds:
            ours, plain = timed_runs(
                [
                    lambda i, k=kind.name: [cli, "new", k, f"ours-{i}", "--defaults", "--no-git"],
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
                        f"plain-{i}",
                    ],
                ],
                args.repeat,
                workdir,
            )
            overhead = statistics.median(ours) / statistics.median(plain) - 1
            print(f"{kind.name:<18} {shown(ours):>24} {shown(plain):>20} {overhead:>+8.1%}")
            for path in workdir.iterdir():
                shutil.rmtree(path)


if __name__ == "__main__":
    main()
