"""The README (the site's home page too) shows the running app and every results plot."""

from __future__ import annotations

import re

from .conftest import PROJECT_ROOT

IMAGE = re.compile(r"!\[[^\]]*\]\((?P<path>[^)\s]+)\)")


def test_the_readme_shows_the_rating_page_and_every_results_plot() -> None:
    shown = IMAGE.findall((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    plots = sorted(
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "reports" / "figures").iterdir()
    )

    assert plots, "the demo wrote no plots"
    assert {"docs/rating-page.png", *plots} <= set(shown)
    local = [path for path in shown if "://" not in path]
    assert [path for path in local if not (PROJECT_ROOT / path).is_file()] == []
