"""Static shields.io badges drawn locally, so offline screenshots show them as readers do.

The generated READMEs carry static badges (`https://img.shields.io/badge/LABEL-MESSAGE-COLOUR`)
whose picture is a pure function of the URL. The machines that take the showcase have no
network, where a browser shows a broken-image icon instead; drawing the same badge with
anybadge gives the page a reader sees online. Dynamic badges (a CI run's status) are not
static and are left alone: their URL says nothing of what they would show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

STATIC_BADGE_HOST = "img.shields.io"
# shields.io's escapes inside a path part: `--` is a dash, `__` an underscore, `_` a space.
_SEPARATOR = re.compile(r"(?<!-)-(?!-)")
# Named colours shields.io accepts, as hex.
COLOURS = {
    "brightgreen": "#44cc11",
    "green": "#97ca00",
    "yellow": "#dfb317",
    "yellowgreen": "#a4a61d",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "blue": "#007ec6",
    "grey": "#555555",
    "gray": "#555555",
    "lightgrey": "#9f9f9f",
    "lightgray": "#9f9f9f",
}


@dataclass(frozen=True)
class StaticBadge:
    """What a static badge shows: its two texts and the message side's colour (hex)."""

    label: str
    message: str
    colour: str


def _unescape(part: str) -> str:
    return unquote(part.replace("--", "\0").replace("__", "\1").replace("_", " ")).translate(
        {0: "-", 1: "_"}
    )


def parse_static_badge(url: str) -> StaticBadge | None:
    """The badge a static shields.io URL draws, or None for any other URL."""
    parts = urlsplit(url)
    if parts.hostname != STATIC_BADGE_HOST or not parts.path.startswith("/badge/"):
        return None
    spec = re.sub(r"\.(svg|png)$", "", parts.path.removeprefix("/badge/"))
    fields = _SEPARATOR.split(spec)
    if len(fields) != 3 or not all(fields):
        return None
    label, message, colour = (_unescape(field) for field in fields)
    hex_colour = COLOURS.get(colour.lower(), f"#{colour.lower()}")
    if re.fullmatch(r"#[0-9a-f]{3}", hex_colour):  # shields' short form: #f80 is #ff8800
        hex_colour = "#" + "".join(digit * 2 for digit in hex_colour[1:])
    if not re.fullmatch(r"#[0-9a-f]{6}", hex_colour):
        return None
    return StaticBadge(label, message, hex_colour)


def draw(badge: StaticBadge) -> str:
    """The badge as SVG, in shields.io's flat style."""
    import anybadge  # the showcase's and the tests' dependency, not the CLI's

    drawn = anybadge.Badge(label=badge.label, value=badge.message, default_color=badge.colour)
    return str(drawn.badge_svg_text)
