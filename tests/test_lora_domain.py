"""A lora-finetune project made for another domain labels its clinical sample data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_render import render

LEGAL = "summarising legal clauses in plain English"
CLINICAL_EXAMPLE = "Note: 61F c/o cough x2wk."


@pytest.fixture(scope="module")
def legal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render("lora-finetune", {"domain": LEGAL}, tmp_path_factory.mktemp("legal") / "p")


def test_the_readme_says_the_sample_data_is_a_stand_in(legal: Path) -> None:
    readme = (legal / "README.md").read_text(encoding="utf-8")

    assert f"A LoRA adapter fine-tuned for **{LEGAL}**" in readme
    assert "**The shipped data is a stand-in.**" in readme
    assert f"not from data for\n{LEGAL}" in readme or f"not from data for {LEGAL}" in readme
    assert CLINICAL_EXAMPLE not in readme  # the generate example is not a clinical note


def test_every_config_names_the_domain_and_the_stand_in(legal: Path) -> None:
    for config in (legal / "configs").glob("*.yaml"):
        text = config.read_text(encoding="utf-8")
        assert f"domain: {LEGAL!r}".replace("'", '"') in text, config.name
        assert f"a stand-in until you\n# replace it with examples of {LEGAL}." in text, config.name
        assert "clinical notes shipped in data/" not in text


def test_the_default_domain_has_no_stand_in_notice(tmp_path: Path) -> None:
    project = render("lora-finetune", {}, tmp_path / "p")

    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "stand-in" not in readme
    assert CLINICAL_EXAMPLE in readme
    assert "stand-in" not in (project / "configs" / "tiny.yaml").read_text(encoding="utf-8")
