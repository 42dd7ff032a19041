import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .factories import PROJECT_ROOT, load_benchmark, tiny_config


@pytest.fixture(scope="module")
def sweep() -> ModuleType:
    return load_benchmark("rank_sweep")


def test_each_variant_changes_one_thing_and_keeps_the_alpha_ratio(
    sweep: ModuleType, tmp_path: Path
) -> None:
    config = tiny_config(tmp_path)  # r = 8, alpha = 16
    rank4, full = sweep.variant_config(config, 4), sweep.variant_config(config, None)

    assert (rank4.lora.r, rank4.lora.alpha, rank4.training.method) == (4, 8, "lora")
    assert full.training.method == "full"
    assert full.lora == config.lora
    for variant in (rank4, full):
        assert variant.training.model_dump(exclude={"method"}) == config.training.model_dump(
            exclude={"method"}
        )
        assert variant.data == config.data
        assert variant.model == config.model
        assert not variant.safety.enabled
    assert rank4.output_dir == tmp_path / "outputs-sweep" / "r4"
    assert full.output_dir == tmp_path / "outputs-sweep" / "full"


@pytest.mark.parametrize(
    ("ranks", "message"),
    [(["4", "4"], "each rank once"), (["0"], "a rank is at least 1"), (["x"], "not a whole")],
)
def test_bad_ranks_are_usage_errors(
    sweep: ModuleType, capsys: pytest.CaptureFixture[str], ranks: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        sweep.parse_args(["--ranks", *ranks])

    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_defaults_are_the_demo_config_and_ranks_4_8_16(sweep: ModuleType) -> None:
    args = sweep.parse_args(["--config", str(PROJECT_ROOT / "configs" / "tiny.yaml")])

    assert args.ranks == [4, 8, 16]
    assert not args.write


def _variant(method: str, rank: int | None, loss: float) -> dict[str, Any]:
    figures = {"loss": loss, "perplexity": 2.0, "chrf": 30.0, "rouge_l": 0.3}
    return {
        "method": method,
        "r": rank,
        "alpha": rank and 2 * rank,
        "trainable_parameters": 100 if rank else 1000,
        "total_parameters": 1000,
        "steps": 80,
        "train_seconds": 60.0,
        "base": {**figures, "loss": 5.0, "general_perplexity": 90.0},
        "tuned": {**figures, "general_perplexity": 95.0},
    }


def test_the_table_has_the_base_then_one_row_per_variant(sweep: ModuleType) -> None:
    result = {
        "command": "python benchmarks/rank_sweep.py",
        "date": "2026-12-07",
        "config": "configs/tiny.yaml",
        "training": {"learning_rate": 3e-3, "num_epochs": 4, "batch_size": 16, "seed": 42},
        "machine": {
            "cpu": "a CPU",
            "threads": 1,
            "environment": {"OMP_NUM_THREADS": "1"},
            "load_before": [5.0, 5.0, 5.0],
            "load_after": [6.0, 6.0, 6.0],
        },
        "variants": {"r4": _variant("lora", 4, 1.25), "full": _variant("full", None, 0.5)},
    }

    rows = [line for line in sweep.markdown(result).splitlines() if line.startswith("| ")]

    assert len(rows) == 2 + 3
    assert rows[2].startswith("| pretrained base (no fine-tuning) | 0 | 5.0000 |")
    assert rows[3].startswith("| LoRA r = 4, alpha = 8 | 100 (10.0%) | 1.2500 |")
    assert rows[4].startswith("| full fine-tuning | 1,000 (100.0%) | 0.5000 |")
    assert "load average [5.0, 5.0, 5.0] before" in sweep.markdown(result)


def test_the_committed_table_is_rendered_from_the_committed_json(sweep: ModuleType) -> None:
    result = json.loads(sweep.RESULTS_JSON.read_text(encoding="utf-8"))

    assert sweep.markdown(result) == sweep.RESULTS.read_text(encoding="utf-8")
    assert list(result["variants"]) == ["r4", "r8", "r16", "full"]
    assert result["machine"]["environment"] == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
