"""The showcase draws the README's static badges offline from their URL alone."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from harness.badges import StaticBadge, draw, parse_static_badge

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("url", "badge"),
    [
        (
            "https://img.shields.io/badge/license-Apache--2.0-blue.svg",
            StaticBadge("license", "Apache-2.0", "#007ec6"),
        ),
        (
            "https://img.shields.io/badge/python-3.11%2B-blue.svg",
            StaticBadge("python", "3.11+", "#007ec6"),
        ),
        (
            "https://img.shields.io/badge/docs-GitHub%20Pages-blue.svg",
            StaticBadge("docs", "GitHub Pages", "#007ec6"),
        ),
        (
            "https://img.shields.io/badge/snake__case-a_b-F80",
            StaticBadge("snake_case", "a b", "#ff8800"),
        ),
    ],
)
def test_a_static_badge_url_gives_its_label_message_and_colour(
    url: str, badge: StaticBadge
) -> None:
    assert parse_static_badge(url) == badge


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/me/bot/actions/workflows/ci.yml/badge.svg",  # a live status
        "https://img.shields.io/pypi/v/copier.svg",  # dynamic: its URL does not say
        "https://img.shields.io/badge/only-two.svg",
        "https://img.shields.io/badge/a-b-notacolour.svg",
        "https://example.com/badge/license-MIT-blue.svg",
    ],
)
def test_anything_but_a_static_shields_badge_is_not_drawn(url: str) -> None:
    assert parse_static_badge(url) is None


def test_every_static_badge_the_readme_template_uses_can_be_drawn() -> None:
    template = (REPO_ROOT / "template" / "README.md.jinja").read_text(encoding="utf-8")
    block = re.search(r"{% block badges %}(.*?){% endblock %}", template, re.DOTALL)
    assert block is not None
    # Rendered with answers like the showcase's projects, a licence with a dash included.
    badges = jinja2.Template(block[1]).render(
        license="Apache-2.0", python_version="3.11", docs_url="https://me.github.io/bot"
    )
    urls = re.findall(r"\((https://img\.shields\.io/[^)\s]+)\)", badges)

    assert len(urls) == 3
    assert [url for url in urls if parse_static_badge(url) is None] == []


def test_a_badge_is_drawn_as_svg_with_its_texts_and_colour() -> None:
    svg = draw(StaticBadge("license", "Apache-2.0", "#007ec6"))

    assert "<svg" in svg
    assert ">license<" in svg
    assert ">Apache-2.0<" in svg
    assert "#007ec6" in svg.lower()
