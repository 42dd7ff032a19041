"""Find measured figures typed by hand into Markdown prose, outside the figure markers.

A README, site page or guide may quote a measurement (a time, a speed-up, a size, a
throughput, a share) only through a figure marker,
`<!-- figure reports/x.json#/pointer .2f -->0.93<!-- /figure -->`, which `docs/figures.py`
fills from the report and a test keeps equal to it. Anything typed instead goes stale
the first time the report is regenerated. This finds such figures; it is a heuristic
tuned to what measurements look like, so it ignores code, configuration limits and
targets ("capped at 64 KiB", "<= 150 s"), confidence levels ("95% CI"), HTTP status
classes ("500s"), products being worked out (a multiplication sign followed by another
factor) and the memory that names a class of GPU ("one 80 GB GPU").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIGURE = re.compile(r"<!-- figure [^>]*-->.*?<!-- /figure -->", re.DOTALL)
FENCED_CODE = re.compile(r"^(?P<fence>```|~~~).*?^(?P=fence)", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"`[^`\n]*`")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
HTML_TAG = re.compile(r"<[^>\n]+>")
NUMBER = r"(?<![\w.\-/@#%])\d[\d,]*(?:\.\d+)?"
MEASUREMENT = re.compile(
    NUMBER
    + r"(?:"
    + r"\s?(?:ms|s|sec|seconds?|min|minutes?|hours?)\b"  # a duration
    + r"|x\b|\s?\u00d7"  # a ratio: 1.9x, or with the multiplication sign
    + r"|\s?%"  # a share
    + r"|\s?[KMGT]i?B\b"  # a size
    + r"|\s?(?:steps|tokens|images|requests|questions|chunks|queries)/s\b"  # a throughput
    + r")"
)
# A limit, target or setting just before the number, not a measurement.
BOUND = re.compile(
    r"(?:≤|≥|<=|>=|<|>|\b(?:under|within|at most|at least|up to|every|per|timeout|"
    r"limit(?:ed)?|cap(?:ped|s)?|max(?:imum)?|budget|target|over|than)\b)"
    r"[^.;:|\n]{0,40}$",
    re.IGNORECASE,
)
CONFIDENCE_LEVEL = re.compile(r"\s*(?:CI\b|confidence|interval|credible)", re.IGNORECASE)
STATUS_CLASS = re.compile(r"[1-5]\d\ds")
# A multiplication sign (U+00D7) followed by another factor or a bracket is a product
# being worked out ("16 * (4 * 4096)", "7 * 10^9"), not a measured ratio ("1.9 times").
PRODUCT = re.compile(r"\s*[\d(]")
# A size naming a device's memory ("one 80 GB GPU") is a hardware class, not a measurement.
DEVICE = re.compile(r"\s+GPUs?\b")


@dataclass(frozen=True)
class TypedFigure:
    """A measurement-like figure found outside the markers, and the line it is on."""

    text: str
    line: str


def prose(page: str) -> str:
    """The page without code, figure markers (and their values), comments, tags or URLs."""
    for pattern in (FENCED_CODE, FIGURE, COMMENT, INLINE_CODE, LINK_TARGET, HTML_TAG):
        page = pattern.sub("", page)
    return page


def typed_figures(page: str) -> list[TypedFigure]:
    """Every measurement typed into the page's prose rather than quoted from a report."""
    text = prose(page)
    found = []
    for match in MEASUREMENT.finditer(text):
        figure = match.group(0)
        if STATUS_CLASS.fullmatch(figure):
            continue
        if figure.endswith("%") and CONFIDENCE_LEVEL.match(text, match.end()):
            continue
        if figure.endswith("\u00d7") and PRODUCT.match(text, match.end()):
            continue
        if figure.endswith("B") and DEVICE.match(text, match.end()):
            continue
        if BOUND.search(text, max(0, match.start() - 40), match.start()):
            continue
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        found.append(TypedFigure(figure, text[start : end if end >= 0 else None].strip()))
    return found
