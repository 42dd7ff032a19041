import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from .factories import PROJECT_ROOT, load_benchmark


@pytest.fixture(scope="module")
def spread() -> ModuleType:
    return load_benchmark("demo_spread")


def test_each_setting_fixes_the_threads_and_forces_an_isa_on_one_thread(
    spread: ModuleType,
) -> None:
    settings = spread.settings([1, 2], ["avx2", "default"])

    assert [setting.name for setting in settings] == [
        "1 thread",
        "2 threads",
        "ATEN_CPU_CAPABILITY=avx2, 1 thread",
        "ATEN_CPU_CAPABILITY=default, 1 thread",
    ]
    assert settings[1].environment["OMP_NUM_THREADS"] == "2"
    assert "ATEN_CPU_CAPABILITY" not in settings[1].environment
    assert settings[3].environment["ATEN_CPU_CAPABILITY"] == "default"
    assert settings[3].environment["OMP_NUM_THREADS"] == "1"


def test_each_run_gets_its_own_base_cache_and_outputs(spread: ModuleType, tmp_path: Path) -> None:
    path = spread.demo_config(PROJECT_ROOT / "configs" / "tiny.yaml", tmp_path)

    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["output_dir"] == str(tmp_path / "outputs")
    assert raw["model"]["tiny"]["cache_dir"] == str(tmp_path / "base-models")
    assert raw["model"]["tiny"]["pretraining"]["steps"] > 0


def _run(name: str, chrf: float | None, loss: float) -> dict[str, Any]:
    """A run's record; `chrf` None: plain-text data, with no generation metrics."""
    figures = {"loss": loss, "perplexity": 2.0, "general_loss": 5.0, "general_perplexity": 150.0}
    scored = chrf is not None
    generation = {
        "chrf": chrf,
        "bleu": 1.0 if scored else None,
        "rouge_l": 0.5 if scored else None,
        "exact_match": None,
    }
    return {
        "name": name,
        "environment": {"OMP_NUM_THREADS": "1"},
        "capability": "AVX2",
        "torch_threads": 1,
        "seconds": 60.0,
        "load_before": [1.0, 1.0, 1.0],
        "load_after": [1.0, 1.0, 1.0],
        "base": {**figures, **generation, "loss": 6.0},
        "adapter": {**figures, **generation},
    }


def test_the_spread_is_the_smallest_and_largest_value_beside_the_shipped(
    spread: ModuleType,
) -> None:
    runs = [_run("a", 4.5, 4.3), _run("b", 18.0, 4.4)]
    shipped = {"base": runs[0]["base"], "adapter": {**runs[0]["adapter"], "chrf": 12.0}}

    summary = spread.spread(runs, shipped)

    assert summary["adapter"]["chrf"] == {"min": 4.5, "max": 18.0, "shipped": 12.0}
    assert summary["adapter"]["loss"] == {"min": 4.3, "max": 4.4, "shipped": 4.3}
    assert "exact_match" not in summary["adapter"]  # never scored: no row


def test_plain_text_runs_have_no_generation_columns(spread: ModuleType) -> None:
    runs = [_run("a", None, 4.3), _run("b", None, 4.4)]
    result = {
        "command": "python benchmarks/demo_spread.py",
        "date": "2026-12-08",
        "config": "configs/tiny.yaml",
        "machine": {
            "cpu": "a CPU",
            "capability": "AVX512",
            "cores": 2,
            "load_before": [1.0, 1.0, 1.0],
            "load_after": [2.0, 2.0, 2.0],
        },
        "run_count": 2,
        "runs": runs,
        "skipped": [{"name": "ATEN_CPU_CAPABILITY=avx2, 1 thread", "why": "this CPU runs NEON"}],
        "spread": spread.spread(runs, None),
    }

    page = spread.markdown(result)

    assert "chrF" not in page
    assert "| test loss | 6.000 | 6.000 |  | 4.300 | 4.400 |  |" in page
    assert "Skipped: ATEN_CPU_CAPABILITY=avx2, 1 thread (this CPU runs NEON)." in page


def test_the_committed_table_is_rendered_from_the_committed_json(spread: ModuleType) -> None:
    result = json.loads(spread.RESULTS_JSON.read_text(encoding="utf-8"))

    assert spread.markdown(result) == spread.RESULTS.read_text(encoding="utf-8")
    assert result["run_count"] == len(result["runs"]) >= 2


@pytest.mark.parametrize(("threads", "message"), [(["0"], "at least 1"), (["x"], "not a whole")])
def test_bad_thread_counts_are_usage_errors(
    spread: ModuleType, capsys: pytest.CaptureFixture[str], threads: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        spread.parse_args(["--threads", *threads])

    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
