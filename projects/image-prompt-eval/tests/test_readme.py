"""The README (the site's home page too): the running app, every results plot, and no
timing typed by hand (test_readme_figures checks the quoted figures' values)."""

from __future__ import annotations

import re

from .conftest import PROJECT_ROOT

IMAGE = re.compile(r'!\[[^\]]*\]\((?P<path>[^)\s]+)\)|<img src="(?P<src>[^"]+)"')
FIGURE = re.compile(r"<!-- figure .*? -->.*?<!-- /figure -->")
SECONDS = re.compile(r"\b\d+\.\d+ s\b")


def test_the_readme_shows_the_rating_page_and_every_results_plot() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    shown = [found["path"] or found["src"] for found in IMAGE.finditer(readme)]
    plots = sorted(
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "reports" / "figures").iterdir()
    )

    assert plots, "the demo wrote no plots"
    assert {"docs/rating-page.png", *plots} <= set(shown)
    local = [path for path in shown if "://" not in path]
    assert [path for path in local if not (PROJECT_ROOT / path).is_file()] == []


def test_the_readme_quotes_the_benchmark() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")

    assert "reports/benchmark.json#/analyze/default_threads/wall_median_s" in readme


def test_no_timing_in_the_readme_is_typed_by_hand() -> None:
    text = FIGURE.sub("FIGURE", (PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))

    assert SECONDS.findall(text) == []
