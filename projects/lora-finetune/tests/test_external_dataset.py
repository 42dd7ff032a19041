import json
from pathlib import Path
from types import ModuleType

import pytest
import sacrebleu

from .factories import load_benchmark

GLOSSARY = """<html><body><section id="glossary">
<h1>Glossary<a class="headerlink" href="#glossary">¶</a></h1>
<dl class="glossary simple">
<dt id="term-bytecode">bytecode<a class="headerlink" href="#term-bytecode">¶</a></dt>
<dd><p>Python source code is compiled into bytecode, the internal
representation of a program.</p><p>A second paragraph that is left out.</p></dd>
<dt id="term-BDFL">BDFL</dt>
<dd><p>Too short.</p></dd>
<dt id="term-list">list</dt>
<dd><p>A built-in Python <a href="#term-sequence"><span>sequence</span></a>; despite its name
it is more akin to an array.<br/></p></dd>
</dl></section></body></html>"""

FAQ = """<html><body><section id="general">
<h1>General FAQ</h1>
<section id="what-is-python">
<h3><a class="toc-backref" href="#id1">What is Python?</a></h3>
<p>Python is an interpreted, interactive, object-oriented programming language.</p>
<ul><li><p>Not the answer.</p></li></ul>
</section>
<section id="history">
<h3>A history of Python</h3>
<p>A heading that asks nothing gives no pair, however long its paragraph is.</p>
</section>
</section></body></html>"""


@pytest.fixture(scope="module")
def python_docs() -> ModuleType:
    return load_benchmark("python_docs")


@pytest.fixture(scope="module")
def external(python_docs: ModuleType) -> ModuleType:
    return load_benchmark("external_dataset")


def _docs(root: Path) -> Path:
    (root / "faq").mkdir(parents=True)
    (root / "glossary.html").write_text(GLOSSARY, encoding="utf-8")
    (root / "faq" / "general.html").write_text(FAQ, encoding="utf-8")
    return root


def test_glossary_terms_and_faq_questions_become_pairs(
    python_docs: ModuleType, tmp_path: Path
) -> None:
    sizes = python_docs.build(_docs(tmp_path / "html"), tmp_path / "out")

    assert sum(sizes.values()) == 3
    pairs = {}
    for name in ("train", "validation", "test"):
        for line in (tmp_path / "out" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            user, assistant = json.loads(line)["messages"]
            assert (user["role"], assistant["role"]) == ("user", "assistant")
            pairs[user["content"]] = assistant["content"]
    assert pairs == {
        'What does the Python term "bytecode" mean?': "Python source code is compiled into "
        "bytecode, the internal representation of a program.",
        'What does the Python term "list" mean?': "A built-in Python sequence; despite its name "
        "it is more akin to an array.",
        "What is Python?": "Python is an interpreted, interactive, object-oriented programming "
        "language.",
    }
    sources = json.loads((tmp_path / "out" / "SOURCES.json").read_text(encoding="utf-8"))
    assert sorted(sources["files"]) == ["faq/general.html", "glossary.html"]


def test_the_newest_python_docs_are_found_and_other_packages_ignored(
    python_docs: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "python3-pip" / "html").mkdir(parents=True)
    for version in ("3.9", "3.11"):
        _docs(tmp_path / f"python{version}" / "html")

    assert python_docs.find_docs(tmp_path) == tmp_path / "python3.11" / "html"


def test_missing_docs_are_one_line_with_the_package_to_install(
    python_docs: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "python3-pip" / "html").mkdir(parents=True)

    with pytest.raises(python_docs.MissingDocsError, match=r"apt-get install python3-doc`$"):
        python_docs.find_docs(tmp_path)


def test_a_docs_folder_without_the_pages_exits_1_before_training(
    external: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert external.main(["--docs", str(tmp_path)]) == 1

    err = capsys.readouterr().err
    assert err.startswith("Error: ")
    assert err.count("\n") == 1


def test_generations_of_punctuation_count_as_no_words(external: ModuleType) -> None:
    degenerate = external.token_shares(["-, --\n-, --"])
    prose = external.token_shares(["A list is a sequence, 3 items long."])

    assert (degenerate["words"], degenerate["punctuation"]) == (0.0, 1.0)
    assert prose["tokens"] == 10
    assert prose["words"] == pytest.approx(7 / 10)
    assert prose["punctuation"] == pytest.approx(2 / 10)
    assert external.token_shares([""])["tokens"] == 0


REFERENCES = [
    "A list is a mutable sequence.",
    "A tuple is an immutable sequence.",
    "Bytecode is what the interpreter runs.",
    "A module is a file of Python code.",
    "A generator yields values lazily.",
]
GARBLED = ["a lits of things", "tupple", "the byte", "modules, modules", "-, --"]


def test_identical_systems_gain_nothing_in_any_resample(external: ModuleType) -> None:
    gain = external.chrf_gain(GARBLED, GARBLED, REFERENCES)

    assert (gain.estimate, gain.low, gain.high) == (0.0, 0.0, 0.0)
    assert gain.adapter_ahead_share == 0.0


def test_a_system_copying_the_references_is_ahead_in_every_resample(
    external: ModuleType,
) -> None:
    gain = external.chrf_gain(GARBLED, REFERENCES, REFERENCES)

    assert gain.adapter_ahead_share == 1.0
    assert 0 < gain.low <= gain.estimate <= gain.high < 100
    assert gain.resamples == 2000


def test_the_gain_on_all_questions_is_sacrebleus_corpus_chrf_gain(external: ModuleType) -> None:
    better = ["A list is a sequence.", *GARBLED[1:]]
    expected = (
        sacrebleu.corpus_chrf(better, [REFERENCES]).score
        - sacrebleu.corpus_chrf(GARBLED, [REFERENCES]).score
    )

    gain = external.chrf_gain(GARBLED, better, REFERENCES)

    assert gain.estimate == pytest.approx(expected)
    assert gain.low <= gain.estimate <= gain.high


def test_the_words_share_falls_when_generations_turn_to_punctuation(
    external: ModuleType,
) -> None:
    punctuation = ["-, --"] * len(REFERENCES)

    change = external.words_share_change(REFERENCES, punctuation)

    assert change.estimate == pytest.approx(-external.token_shares(REFERENCES)["words"])
    assert change.high < 0
    assert change.adapter_ahead_share == 0.0
