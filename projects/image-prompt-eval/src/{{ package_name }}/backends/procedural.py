"""An offline stand-in for a text-to-image model: deterministic pictures from prompt and seed.

It draws the prompt's subject as a simple vector drawing (`drawings`: a fox, a teapot,
a lighthouse, a mountain village), placed by a seed-dependent composition ("close-up"
and "wide shot" in the prompt move the camera), then renders the style and lighting
keywords visibly (watercolour wash, pixel grid, ink lines, photographic grain; warm,
moonlit or neon light). A rating study on its output behaves like one on a real
model: the subject is recognisable, styles look different, and two "systems" with
different options differ in detail and in how often they honour the requested style.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from .base import GeneratedImage
from .drawings import Frame, subject_of

Filter = Callable[[Image.Image, np.random.Generator], Image.Image]


def _watercolor(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    soft = image.filter(ImageFilter.GaussianBlur(radius=image.width / 60))
    paper = Image.new("RGB", image.size, (247, 241, 228))
    return Image.blend(soft, paper, 0.35)


PIXEL_ART_COLOURS = 12


def pixel_cells(size: int) -> int:
    """Pixel-art grid cells across an image: coarse, yet the subject stays recognisable."""
    return max(16, size // 6)


def _pixel_art(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    cells = pixel_cells(image.width)
    small = image.resize((cells, cells), Image.Resampling.BILINEAR)
    small = small.quantize(colors=PIXEL_ART_COLOURS, dither=Image.Dither.NONE).convert("RGB")
    return small.resize(image.size, Image.Resampling.NEAREST)


def _ink(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    edges = ImageOps.invert(image.convert("L").filter(ImageFilter.FIND_EDGES))
    edges = ImageOps.autocontrast(edges).point(lambda v: 255 if v > 200 else 20)
    return ImageOps.colorize(edges, black=(25, 25, 40), white=(245, 240, 230))


def _photograph(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    base = image.filter(ImageFilter.GaussianBlur(radius=1.2))
    grain = rng.normal(0.0, 9.0, size=(image.height, image.width, 1))
    pixels = np.asarray(base, dtype=np.float64) + grain
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _oil(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return ImageOps.posterize(image.filter(ImageFilter.ModeFilter(size=7)), 3)


STYLES: dict[str, Filter] = {
    "watercolor": _watercolor,
    "pixel art": _pixel_art,
    "ink": _ink,
    "photograph": _photograph,
    "oil painting": _oil,
}

LIGHTS: dict[str, tuple[tuple[int, int, int], float]] = {
    "golden hour": ((255, 170, 60), 0.30),
    "moonlight": ((30, 45, 110), 0.45),
    "neon": ((255, 30, 200), 0.30),
    "overcast": ((160, 165, 170), 0.40),
}


def _digest(*parts: object) -> int:
    return int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:16], 16)


class ProceduralBackend:
    """Draws the prompt's subject over a sky and ground, then applies its style and light.

    Options: `detail` (0-1: the small parts drawn, and sharpness), `fidelity` (0-1: the
    chance of honouring the prompt's style; otherwise a different style is drawn),
    `hue` (an offset in degrees that gives a system its own colour cast).
    """

    def __init__(self, model: str, options: dict[str, Any]) -> None:
        self.model = model
        self.detail = float(options.get("detail", 0.7))
        self.fidelity = float(options.get("fidelity", 0.9))
        self.hue = float(options.get("hue", 0.0))

    def generate(self, prompt: str, seed: int, size: int) -> GeneratedImage:
        text = prompt.lower()
        rng = np.random.default_rng(_digest(self.model, prompt, seed))
        # The composition depends on the prompt without its style and lighting words, so
        # the same subject is framed alike across styles, as it would be by a real model.
        subject = text
        for word in (*STYLES, *LIGHTS):
            subject = subject.replace(word, "")
        motif_rng = np.random.default_rng(_digest(subject, seed))
        image = self._canvas(motif_rng, size)
        name, drawer = subject_of(text)
        drawer(ImageDraw.Draw(image), self._frame(text, motif_rng, size), self.detail, motif_rng)
        requested = [name for name in STYLES if name in text]
        style = requested[0] if requested else None
        honoured = bool(rng.random() < self.fidelity)
        if style is not None and not honoured:
            others = [name for name in STYLES if name != style]
            style = others[int(rng.integers(len(others)))]
        if self.detail < 0.5:
            image = image.filter(ImageFilter.GaussianBlur(radius=(0.5 - self.detail) * size / 40))
        if style is not None:
            image = STYLES[style](image, rng)
        for light, (colour, strength) in LIGHTS.items():
            if light in text:
                image = Image.blend(image, Image.new("RGB", image.size, colour), strength)
        parameters = {
            "detail": self.detail,
            "fidelity": self.fidelity,
            "hue": self.hue,
            "subject_drawn": name or None,
            "style_drawn": style,
            "style_honoured": style is None or honoured,
        }
        return GeneratedImage(image=image, parameters=parameters)

    @staticmethod
    def _frame(text: str, rng: np.random.Generator, size: int) -> Frame:
        """Composition: where the subject stands and how large it is."""
        scale = 0.85 if "close-up" in text else 0.4 if "wide" in text else rng.uniform(0.5, 0.68)
        return Frame(
            x=size * rng.uniform(0.4, 0.6),
            ground=size * rng.uniform(0.82, 0.9),
            height=size * scale,
        )

    def _palette(self, rng: np.random.Generator, count: int) -> list[tuple[int, int, int]]:
        base = float(rng.uniform(180, 240)) + self.hue
        colours = []
        for k in range(count):
            hue = int((base + k * 25 + rng.normal(0, 8)) % 360 * 255 / 360)
            swatch = Image.new("HSV", (1, 1), (hue, int(rng.uniform(60, 140)), 235))
            red, green, blue = swatch.convert("RGB").getpixel((0, 0))  # type: ignore[misc]
            colours.append((int(red), int(green), int(blue)))
        return colours

    def _canvas(self, rng: np.random.Generator, size: int) -> Image.Image:
        """A sky gradient over a ground band."""
        top, bottom = (np.array(colour, dtype=np.float64) for colour in self._palette(rng, 2))
        ramp = np.linspace(0.0, 1.0, size)[:, None, None]
        pixels = top * (1 - ramp) + bottom * ramp
        image = Image.fromarray(np.broadcast_to(pixels, (size, size, 3)).astype(np.uint8))
        ground = int(size * 0.86)
        ImageDraw.Draw(image).rectangle((0, ground, size, size), fill=(120, 150, 95))
        return image
