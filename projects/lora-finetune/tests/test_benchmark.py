import json
import re
import tomllib
from types import ModuleType
from typing import Any

import pytest

from .factories import BENCHMARKS, PROJECT_ROOT, load_benchmark


@pytest.fixture(scope="module")
def benchmark() -> ModuleType:
    return load_benchmark("lora_vs_full")


def _run(trainable: int, speed: float, rss: float, above: float) -> dict[str, Any]:
    return {
        "parameters": 1_000,
        "trainable": trainable,
        "steps_per_second": speed,
        "peak_rss_mib": rss,
        "peak_rss_above_baseline_mib": above,
        "peak_cuda_mib": None,
    }


def _round(full: tuple[float, float, float], lora: tuple[float, float, float]) -> dict[str, Any]:
    """One round: full fine-tuning, and the same LoRA figures at every rank."""
    ranks = {f"r{r}": _run(r * 2, *lora) for r in (4, 8, 16)}
    return {"full": _run(1_000, *full), **ranks}


def test_the_summary_gives_median_and_range_and_per_round_ratios(benchmark: ModuleType) -> None:
    rounds = [
        _round((1.0, 1000, 600), (2.0, 700, 300)),
        _round((2.0, 1010, 610), (2.0, 710, 310)),
        _round((4.0, 990, 590), (2.0, 690, 290)),
    ]

    rows, met = benchmark.summarise(rounds, 8)

    assert [row[0] for row in rows] == ["full fine-tuning", "LoRA r=4", "LoRA r=8", "LoRA r=16"]
    full, _, r8, _ = rows
    assert full[1:3] == ["1,000 (100.00%)", "2.00 (1.00-4.00)"]
    assert r8[1] == "16 (1.60%)"
    # per-round ratios 2.0, 1.0, 0.5: the median of the ratios, not the ratio of medians
    assert r8[2] == "2.00 (2.00-2.00); 1.00x (0.50-2.00)"
    assert full[4] == "600 (590-610)"
    assert met  # 1.6% trainable, about 0.5x the memory above the baseline


def test_the_targets_are_judged_at_the_headline_rank(benchmark: ModuleType) -> None:
    rounds = [_round((1.0, 1000, 400), (1.0, 900, 300))]  # 0.75x the memory above baseline
    assert not benchmark.summarise(rounds, 8)[1]

    rounds[0]["r16"]["trainable"] = 500  # 50% trainable at r=16 does not sink r=8
    rounds[0]["r8"]["peak_rss_above_baseline_mib"] = 200
    assert benchmark.summarise(rounds, 8)[1]
    assert not benchmark.summarise(rounds, 16)[1]


def test_the_results_record_the_machine_and_itsload_benchmark() -> None:
    results = json.loads((BENCHMARKS / "results.json").read_text(encoding="utf-8"))

    machine = results["machine"]
    assert machine["cpu"]
    assert machine["cpus"] >= 1
    assert machine["threads_per_run"] >= 1
    assert re.match(r"\d+\.\d+", machine["torch"])
    for when in ("load_average_before", "load_average_after"):
        assert len(machine[when]) == 3
    assert set(results["modes"]) == {"full", "r4", "r8", "r16"}


def test_the_readme_links_the_last_benchmark_table() -> None:
    """The table stays in its report; the README quotes figures from it through markers."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    results = (BENCHMARKS / "results.md").read_text(encoding="utf-8")

    rows = [line for line in results.splitlines() if line.startswith("| ")]
    assert len(rows) >= 6
    assert "](benchmarks/results.md)" in readme
    assert "<!-- figure benchmarks/results.json#/modes/r8/trainable_fraction " in readme
    assert results.startswith("`python benchmarks/lora_vs_full.py")


def test_the_readme_quotes_the_benchmark_and_the_weight() -> None:
    readme = PROJECT_ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    for pointer in ("results.json#/machine/load_average_before/0", "weight.json#/runtime_mib"):
        assert f"<!-- figure benchmarks/{pointer} " in text


def test_documentation_tools_stay_out_of_the_runtime_install() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    weight = json.loads((BENCHMARKS / "weight.json").read_text(encoding="utf-8"))

    runtime = " ".join(project["project"]["dependencies"])
    assert "mkdocs" not in runtime
    assert weight["docs_tools_in_runtime"] == []
    assert weight["runtime_mib"] < weight["environment_mib"]


def test_the_runtime_install_follows_dependencies_but_no_extra() -> None:
    runtime = load_benchmark("weight").runtime_closure()

    assert {"torch", "peft", "transformers", "packaging"} <= runtime  # packaging: transitive
    assert not {"pytest", "ruff", "mypy", "nox"} & runtime  # the test and dev extras


def test_the_memory_arithmetic_in_the_guide_is_the_scripts_output() -> None:
    """benchmarks/memory.json, which the guide quotes, is what the script computes now."""
    memory = load_benchmark("memory_arithmetic")
    shipped = json.loads((BENCHMARKS / "memory.json").read_text(encoding="utf-8"))

    assert shipped == json.loads(json.dumps(memory.estimate()))


def test_the_memory_arithmetic_counts_a_known_model() -> None:
    """Llama-2-7B has 6,738,415,616 parameters (its model card's 7B); r=16 on every linear layer."""
    memory = load_benchmark("memory_arithmetic")
    figures = memory.estimate()

    assert figures["parameters"] == 6_738_415_616
    assert figures["adapter"]["parameters"] == 16 * 32 * (4 * 8_192 + 3 * 15_104)
    assert figures["full_gb"] == pytest.approx(8 * figures["lora_base_gb"])
    assert 0.5 < figures["qlora"]["bytes_per_parameter"] < 0.6
