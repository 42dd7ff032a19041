"""The showcase's pictures match the template they were taken from (no browser needed).

`nox -s showcase` retakes every picture and records, in docs/showcase/manifest.json, the
hash of each picture and of each template file that feeds it; these tests recompute them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.showcase import MANIFEST, PICTURES, RETAKE, Picture, stale, write_manifest
from harness.sources import MissingSourceError, expand

from .conftest import REPO_ROOT


def test_every_declared_source_exists() -> None:
    for picture in PICTURES:
        # expand() raises on a declared file, or one a file references, that is absent.
        assert expand(REPO_ROOT, picture.sources), picture.path


def test_the_showcase_is_fresh() -> None:
    problems = stale(REPO_ROOT, PICTURES)
    assert not problems, (
        "the showcase is out of date with the template:\n  "
        + "\n  ".join(problems)
        + f"\nretake every picture and the manifest with `{RETAKE}` (renders each kind, "
        "installs it, runs its picture commands and photographs its site in Chromium), "
        f"or one kind's pictures with `{RETAKE} -- KIND`"
    )


def test_the_manifest_says_when_and_from_which_commit() -> None:
    manifest = json.loads((REPO_ROOT / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["retake"] == RETAKE
    assert len(manifest["generator_commit"].split()[0]) == 40
    assert manifest["taken"].endswith("Z")


# The checker itself, on a miniature tree: a kind with a page, an include and a picture.
@pytest.fixture
def tree(tmp_path: Path) -> Path:
    kind = tmp_path / "projects" / "demo"
    (kind / "docs").mkdir(parents=True)
    (tmp_path / "template").mkdir()
    (tmp_path / "docs" / "showcase").mkdir(parents=True)
    (tmp_path / "template" / "base.md.jinja").write_text("# {{ name }}\n", encoding="utf-8")
    (kind / "README.md.jinja").write_text(
        "{% extends 'template/base.md.jinja' %}\n![page](docs/page.png)\n", encoding="utf-8"
    )
    (kind / "page.html").write_text("<h1>page</h1>\n", encoding="utf-8")
    (kind / "docs" / "page.png").write_bytes(b"\x89PNG page")
    (tmp_path / "docs" / "showcase" / "home.png").write_bytes(b"\x89PNG home")
    return tmp_path


PAGE = Picture("projects/demo/docs/page.png", "demo", "a page", ("projects/demo/page.html",))
HOME = Picture(
    "docs/showcase/home.png", "demo", "the home page", ("projects/demo/README.md.jinja",), page=""
)


def test_the_sources_follow_includes_and_embedded_pictures(tree: Path) -> None:
    assert expand(tree, HOME.sources) == [
        "projects/demo/README.md.jinja",
        "projects/demo/docs/page.png",
        "template/base.md.jinja",
    ]


def test_a_picture_embedded_beside_its_page_is_found_in_the_conditional_folder(
    tree: Path,
) -> None:
    results = tree / "projects" / "demo" / "{% if layout == 'a' %}docs{% endif %}" / "results"
    results.mkdir(parents=True)
    (results / "results.md").write_text(
        "![curve](loss_curve.png)\n![page](../../docs/page.png)\n", encoding="utf-8"
    )
    (results / "loss_curve.png").write_bytes(b"\x89PNG curve")
    # The other layout's folder of the same name: its picture is not this page's.
    other = tree / "projects" / "demo" / "{% if layout == 'b' %}docs{% endif %}" / "results"
    other.mkdir(parents=True)
    (other / "loss_curve.png").write_bytes(b"\x89PNG other curve")
    page = results.relative_to(tree) / "results.md"

    assert expand(tree, [str(page)]) == [
        "projects/demo/docs/page.png",
        str(page.parent / "loss_curve.png"),
        str(page),
    ]


def test_a_missing_source_is_named_with_the_file_that_references_it(tree: Path) -> None:
    (tree / "template" / "base.md.jinja").unlink()

    with pytest.raises(MissingSourceError, match=r"template/base.md.jinja \(named by projects/"):
        expand(tree, HOME.sources)


def test_a_freshly_recorded_showcase_has_no_problems(tree: Path) -> None:
    write_manifest(tree, [PAGE, HOME], "0" * 40, "2026-01-01T00:00:00Z")

    assert stale(tree, [PAGE, HOME]) == []


def test_a_source_edited_after_its_picture_names_both(tree: Path) -> None:
    write_manifest(tree, [PAGE, HOME], "0" * 40, "2026-01-01T00:00:00Z")
    (tree / "template" / "base.md.jinja").write_text("# {{ name }}!\n", encoding="utf-8")

    assert stale(tree, [PAGE, HOME]) == [
        "docs/showcase/home.png: template/base.md.jinja changed after it was taken"
    ]


def test_a_picture_retaken_by_hand_fails_both_it_and_the_page_that_shows_it(tree: Path) -> None:
    write_manifest(tree, [PAGE, HOME], "0" * 40, "2026-01-01T00:00:00Z")
    (tree / "projects" / "demo" / "docs" / "page.png").write_bytes(b"\x89PNG other")

    assert stale(tree, [PAGE, HOME]) == [
        "projects/demo/docs/page.png: replaced after the showcase took it",
        "docs/showcase/home.png: projects/demo/docs/page.png changed after it was taken",
    ]


def test_a_picture_without_a_manifest_entry_fails(tree: Path) -> None:
    write_manifest(tree, [PAGE, HOME], "0" * 40, "2026-01-01T00:00:00Z")
    (tree / "docs" / "showcase" / "card.png").write_bytes(b"\x89PNG card")
    (tree / "template" / "shipped.png").write_bytes(b"\x89PNG shipped")

    assert stale(tree, [PAGE, HOME]) == [
        "docs/showcase/card.png: no picture declared in harness/showcase.py takes it "
        "(declare it there with the files it shows)",
        "template/shipped.png: no picture declared in harness/showcase.py takes it "
        "(declare it there with the files it shows)",
    ]


def test_a_new_source_or_picture_needs_a_retake(tree: Path) -> None:
    write_manifest(tree, [HOME], "0" * 40, "2026-01-01T00:00:00Z")
    wider = Picture(**{**HOME.__dict__, "sources": (*HOME.sources, "projects/demo/page.html")})

    assert stale(tree, [PAGE, wider]) == [
        f"projects/demo/docs/page.png: not in {MANIFEST} (never taken by the showcase)",
        "docs/showcase/home.png: projects/demo/page.html feeds it now, not when it was taken",
    ]


def test_a_retake_of_some_kinds_keeps_the_others_records_stale_or_not(tree: Path) -> None:
    (tree / "docs" / "showcase" / "other.png").write_bytes(b"\x89PNG other")
    other = Picture("docs/showcase/other.png", "other", "another kind", ("template/base.md.jinja",))
    declared = [PAGE, HOME, other]
    write_manifest(tree, declared, "1" * 40, "2026-01-01T00:00:00Z")
    path = tree / MANIFEST
    # Feeds HOME (the demo kind, retaken below) and `other` (not retaken).
    (tree / "template" / "base.md.jinja").write_text("# {{ name }}!\n", encoding="utf-8")

    write_manifest(tree, [PAGE, HOME], "2" * 40, "2026-02-01T00:00:00Z", declared=declared)

    records = json.loads(path.read_text(encoding="utf-8"))["pictures"]
    assert list(records) == [picture.path for picture in declared]
    assert [(records[p.path]["generator_commit"], records[p.path]["taken"]) for p in declared] == [
        ("2" * 40, "2026-02-01T00:00:00Z"),
        ("2" * 40, "2026-02-01T00:00:00Z"),
        ("1" * 40, "2026-01-01T00:00:00Z"),
    ]
    assert stale(tree, declared) == [
        "docs/showcase/other.png: template/base.md.jinja changed after it was taken"
    ]
