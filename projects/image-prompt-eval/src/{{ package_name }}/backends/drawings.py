"""Simple vector drawings of the demo's subjects, so a rater can judge prompt alignment.

Each drawing is a handful of PIL shapes in a unit square (x to the right, y down),
placed by a `Frame` that sets where the subject stands and how large it is (the
composition). `detail` (0-1) adds the small parts a careful model would draw: a fox's
eye and tail tip, a lighthouse's windows and beam, a village's windows. Subjects the
module does not know are drawn as a cluster of abstract shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import ImageDraw

Colour = tuple[int, int, int]
Point = tuple[float, float]


@dataclass(frozen=True)
class Frame:
    """Where a subject sits: its centre x, its ground line y, and its height, in pixels."""

    x: float
    ground: float
    height: float

    def at(self, u: float, v: float) -> Point:
        """A point of the unit drawing: u across (-0.5..0.5), v up from the ground (0..1)."""
        return (self.x + u * self.height, self.ground - v * self.height)

    def box(self, u0: float, v0: float, u1: float, v1: float) -> tuple[float, float, float, float]:
        (x0, y0), (x1, y1) = self.at(u0, v1), self.at(u1, v0)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    def poly(self, *points: Point) -> list[Point]:
        return [self.at(u, v) for u, v in points]


Drawer = Callable[[ImageDraw.ImageDraw, Frame, float, np.random.Generator], None]

OUTLINE: Colour = (40, 30, 30)


def fox(draw: ImageDraw.ImageDraw, f: Frame, detail: float, rng: np.random.Generator) -> None:
    """A sitting red fox in profile: body, bushy tail, pointed ears and snout."""
    orange, cream = (214, 104, 36), (246, 236, 220)
    width = max(1, round(f.height / 60))
    draw.ellipse(f.box(-0.3, 0.0, 0.45, 0.4), fill=(200, 92, 30), outline=OUTLINE, width=width)
    draw.polygon(
        f.poly((-0.2, 0.05), (-0.62, 0.02), (-0.7, 0.22), (-0.45, 0.3), (-0.25, 0.25)),
        fill=orange,
        outline=OUTLINE,
    )
    draw.polygon(f.poly((0.05, 0.3), (0.3, 0.3), (0.35, 0.62), (0.05, 0.62)), fill=orange)
    draw.ellipse(f.box(0.0, 0.55, 0.42, 0.85), fill=orange, outline=OUTLINE, width=width)
    draw.polygon(f.poly((0.35, 0.62), (0.62, 0.66), (0.36, 0.76)), fill=orange, outline=OUTLINE)
    draw.polygon(f.poly((0.06, 0.78), (0.1, 1.0), (0.2, 0.82)), fill=orange, outline=OUTLINE)
    draw.polygon(f.poly((0.22, 0.82), (0.3, 1.0), (0.36, 0.78)), fill=orange, outline=OUTLINE)
    draw.polygon(f.poly((0.2, 0.3), (0.36, 0.62), (0.42, 0.3)), fill=cream)
    draw.ellipse(f.box(0.58, 0.65, 0.64, 0.71), fill=(20, 20, 20))
    if detail > 0.4:
        draw.polygon(f.poly((-0.62, 0.02), (-0.75, 0.1), (-0.7, 0.22), (-0.6, 0.12)), fill=cream)
        draw.ellipse(f.box(0.3, 0.72, 0.36, 0.78), fill=(30, 20, 10))
    if detail > 0.7:
        for k in range(3):
            y = 0.66 + 0.02 * k
            draw.line([f.at(0.58, y), f.at(0.75, y + 0.03 * (k - 1))], fill=OUTLINE, width=1)


def teapot(draw: ImageDraw.ImageDraw, f: Frame, detail: float, rng: np.random.Generator) -> None:
    """A round teapot: body, lid and knob, spout on one side, handle on the other."""
    body = tuple(int(c) for c in rng.integers(60, 200, size=3))
    width = max(2, round(f.height / 25))
    draw.arc(f.box(-0.62, 0.15, -0.2, 0.55), 90, 270, fill=OUTLINE, width=width)
    draw.polygon(
        f.poly((0.3, 0.15), (0.6, 0.5), (0.68, 0.52), (0.58, 0.42), (0.35, 0.3)),
        fill=body,
        outline=OUTLINE,
    )
    draw.ellipse(f.box(-0.45, 0.0, 0.45, 0.6), fill=body, outline=OUTLINE, width=max(1, width // 2))
    draw.chord(f.box(-0.25, 0.5, 0.25, 0.7), 180, 360, fill=body, outline=OUTLINE)
    draw.ellipse(f.box(-0.05, 0.66, 0.05, 0.76), fill=body, outline=OUTLINE)
    if detail > 0.4:
        draw.line(
            [f.at(-0.42, 0.3), f.at(0.42, 0.3)], fill=(250, 240, 220), width=max(1, width // 2)
        )
    if detail > 0.7:
        draw.ellipse(f.box(-0.3, 0.35, -0.18, 0.5), fill=(255, 255, 255))


def lighthouse(
    draw: ImageDraw.ImageDraw, f: Frame, detail: float, rng: np.random.Generator
) -> None:
    """A tapering striped tower on rocks, with a lantern room and a conical cap."""
    draw.polygon(f.poly((-0.5, 0.0), (-0.3, 0.1), (0.3, 0.12), (0.55, 0.0)), fill=(90, 85, 80))
    stripes = 5
    for k in range(stripes):
        v0, v1 = 0.08 + 0.14 * k, 0.08 + 0.14 * (k + 1)
        half0, half1 = 0.16 - 0.08 * v0, 0.16 - 0.08 * v1
        colour = (200, 40, 40) if k % 2 == 0 else (245, 245, 240)
        draw.polygon(
            f.poly((-half0, v0), (half0, v0), (half1, v1), (-half1, v1)),
            fill=colour,
            outline=OUTLINE,
        )
    draw.rectangle(f.box(-0.11, 0.78, 0.11, 0.9), fill=(255, 226, 110), outline=OUTLINE)
    draw.polygon(f.poly((-0.14, 0.9), (0.14, 0.9), (0.0, 1.0)), fill=(60, 60, 70), outline=OUTLINE)
    if detail > 0.4:
        for v in (0.3, 0.55):
            draw.rectangle(f.box(-0.025, v, 0.025, v + 0.06), fill=(40, 40, 60))
    if detail > 0.6:
        draw.polygon(
            f.poly((0.11, 0.86), (0.6, 0.95), (0.6, 0.75), (0.11, 0.82)), fill=(255, 240, 170)
        )


def mountain_village(
    draw: ImageDraw.ImageDraw, f: Frame, detail: float, rng: np.random.Generator
) -> None:
    """Snow-capped peaks behind a row of small houses with pitched roofs."""
    for u, peak, half in ((-0.35, 0.95, 0.45), (0.25, 1.0, 0.5), (0.7, 0.8, 0.35)):
        draw.polygon(
            f.poly((u - half, 0.25), (u, peak), (u + half, 0.25)),
            fill=(110, 115, 130),
            outline=OUTLINE,
        )
        draw.polygon(
            f.poly((u - half * 0.28, peak - 0.2), (u, peak), (u + half * 0.28, peak - 0.2)),
            fill=(250, 250, 252),
        )
    draw.rectangle(f.box(-0.9, 0.0, 0.95, 0.26), fill=(90, 140, 70))
    for k, u in enumerate((-0.6, -0.25, 0.1, 0.45)):
        tall = 0.2 + 0.05 * (k % 2)
        wall = (230, 215, 180) if k % 2 == 0 else (215, 190, 160)
        draw.rectangle(f.box(u - 0.12, 0.02, u + 0.12, tall), fill=wall, outline=OUTLINE)
        draw.polygon(
            f.poly((u - 0.16, tall), (u, tall + 0.14), (u + 0.16, tall)),
            fill=(150, 50, 40),
            outline=OUTLINE,
        )
        if detail > 0.4:
            draw.rectangle(f.box(u - 0.05, 0.08, u + 0.03, 0.14), fill=(255, 220, 120))
        if detail > 0.7:
            draw.rectangle(f.box(u + 0.06, 0.02, u + 0.1, 0.1), fill=(90, 60, 40))


def abstract(draw: ImageDraw.ImageDraw, f: Frame, detail: float, rng: np.random.Generator) -> None:
    """An unknown subject: a cluster of coloured shapes, deterministic per prompt."""
    for _ in range(3 + int(detail * 8)):
        u, v = rng.uniform(-0.4, 0.4), rng.uniform(0.1, 0.9)
        r = rng.uniform(0.05, 0.2)
        colour = tuple(int(c) for c in rng.integers(40, 230, size=3))
        draw.ellipse(f.box(u - r, v - r, u + r, v + r), fill=colour, outline=OUTLINE)


# Keyword in the prompt -> drawing; the first keyword found wins.
SUBJECTS: dict[str, Drawer] = {
    "fox": fox,
    "teapot": teapot,
    "lighthouse": lighthouse,
    "village": mountain_village,
}


def subject_of(prompt: str) -> tuple[str, Drawer]:
    """The subject a prompt asks for (by keyword), or ('', abstract) when none is known."""
    text = prompt.lower()
    return next(
        ((word, drawer) for word, drawer in SUBJECTS.items() if word in text), ("", abstract)
    )
