import importlib.util
import sys
from types import ModuleType
from typing import Any

import pytest

from .factories import PROJECT_ROOT

BENCHMARKS = PROJECT_ROOT / "benchmarks"


@pytest.fixture(scope="module")
def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lora_vs_full", BENCHMARKS / "lora_vs_full.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _run(mode: str, speed: float, rss: float, above: float) -> dict[str, Any]:
    trainable = 1_000 if mode == "full" else 10
    return {
        "parameters": 1_000,
        "trainable": trainable,
        "steps_per_second": speed,
        "peak_rss_mib": rss,
        "peak_rss_above_baseline_mib": above,
        "peak_cuda_mib": None,
    }


def test_the_summary_gives_median_and_range_and_paired_ratios(benchmark: ModuleType) -> None:
    runs = [
        (_run("full", 1.0, 1000, 600), _run("lora", 2.0, 700, 300)),
        (_run("full", 2.0, 1010, 610), _run("lora", 2.0, 710, 310)),
        (_run("full", 4.0, 990, 590), _run("lora", 2.0, 690, 290)),
    ]

    rows, met = benchmark.summarise(runs)

    assert rows[0] == ["trainable parameters", "1,000", "10", "1.00%"]
    speed = rows[1]
    assert speed[1:3] == ["2.00 (1.00-4.00)", "2.00 (2.00-2.00)"]
    assert speed[3] == "1.00x (0.50-2.00)"  # per-pair ratios 2.0, 1.0, 0.5
    assert rows[3][1] == "600 (590-610)"
    assert met  # 1% trainable, about 0.5x the memory above the baseline


def test_more_than_0_7x_the_memory_misses_the_target(benchmark: ModuleType) -> None:
    runs = [(_run("full", 1.0, 1000, 400), _run("lora", 1.0, 900, 300))]

    _, met = benchmark.summarise(runs)

    assert not met


def test_the_readme_shows_the_last_benchmark_results() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    results = (BENCHMARKS / "results.md").read_text(encoding="utf-8")

    rows = [line for line in results.splitlines() if line.startswith("| ")]
    assert len(rows) >= 5
    assert all(row in readme for row in rows)
    assert results.startswith("`python benchmarks/lora_vs_full.py")
