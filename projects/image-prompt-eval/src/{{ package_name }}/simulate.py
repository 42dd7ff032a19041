"""Simulated raters for the demo: they look at each image through the app's own API.

A simulated rater sees what a person sees (the prompt and the blinded images), never
item ids or systems. Its "perception" reads the procedural backend's styles off the
pixels, so its scores depend on the images, and therefore on the systems; then each
rater adds a personal bias and noise. One rater answers at random, which the rater
quality flags should catch.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from PIL import Image, ImageFilter

from .backends.procedural import PIXEL_ART_COLOURS, STYLES


class Client(Protocol):
    """The slice of an HTTP client the simulation needs (httpx2.Client, TestClient)."""

    def get(self, url: str) -> Any: ...

    def post(self, url: str, *, json: Any) -> Any: ...


@dataclass(frozen=True)
class RaterProfile:
    """How a simulated rater deviates from the latent truth."""

    bias: float
    noise: float
    careless: bool = False


DEMO_PROFILES = (
    RaterProfile(bias=0.0, noise=0.35),
    RaterProfile(bias=0.6, noise=0.45),
    RaterProfile(bias=-0.7, noise=0.45),
    RaterProfile(bias=0.0, noise=0.7),
    RaterProfile(bias=0.0, noise=0.0, careless=True),
)


def detect_style(image: Image.Image) -> str:
    """Which procedural style an image shows, from pixel statistics alone.

    Ink has two tones, pixel art a small palette (it is quantised), an oil painting few
    levels per channel; photographic grain survives a blur as fine noise.
    """
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    # Distinct colours, counted on packed 24-bit ints: far faster than unique rows.
    packed = (pixels[..., 0].astype(np.int32) << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    colours = len(np.unique(packed))
    if colours <= 4:
        return "ink"
    if colours <= PIXEL_ART_COLOURS:
        return "pixel art"
    if max(len(np.unique(pixels[..., channel])) for channel in range(3)) <= 8:
        return "oil painting"
    smooth = np.asarray(image.convert("RGB").filter(ImageFilter.GaussianBlur(2)), dtype=np.int16)
    if np.abs(pixels - smooth).mean() > 4.0:
        return "photograph"
    return "watercolor"


# Mean edge strength of each style at 1/4 scale, averaged over the demo's images: an
# image as detailed as its style's average is perceived as a 3 for visual quality.
EDGE_REFERENCE = {
    "ink": 44.3,
    "oil painting": 21.5,
    "photograph": 25.6,
    "pixel art": 17.8,
    "watercolor": 18.7,
}
MOOD = {"golden hour": 0.6, "moonlight": -0.2, "neon": 0.2, "overcast": -0.3}
STYLE_APPEAL = {"watercolor": 0.3, "pixel art": -0.5}


def detail(image: Image.Image, style: str) -> float:
    """Edge strength relative to the style's average: above 1 is more detailed than usual.

    Measured at quarter scale, so photographic grain does not count as detail.
    """
    small = image.convert("L").resize((image.width // 4, image.height // 4), Image.Resampling.BOX)
    edges = np.asarray(small.filter(ImageFilter.FIND_EDGES), dtype=float)
    return float(edges.mean()) / EDGE_REFERENCE.get(style, 20.0)


def latent_scores(image: Image.Image, prompt: str, criteria: list[str]) -> dict[str, float]:
    """What an attentive, unbiased rater would answer, on the 1-5 scale."""
    text = prompt.lower()
    wanted = next((style for style in STYLES if style in text), None)
    seen = detect_style(image)
    aligned = wanted is None or wanted == seen
    relative = detail(image, seen) - 1.0
    mood = sum(value for light, value in MOOD.items() if light in text)
    truth = {
        "prompt_alignment": 4.4 if aligned else 1.6,
        "visual_quality": 3.1 + 4.0 * relative,
        "aesthetics": 3.0 + 2.0 * relative + mood + STYLE_APPEAL.get(seen, 0.0),
        "originality": 3.0 + 2.0 * relative,
    }
    return {
        criterion: float(np.clip(truth.get(criterion, 3.0), 1.0, 5.0)) for criterion in criteria
    }


def _score(value: float, profile: RaterProfile, rng: np.random.Generator) -> int:
    if profile.careless:
        return int(rng.integers(1, 6))
    return int(np.clip(round(value + profile.bias + rng.normal(0, profile.noise)), 1, 5))


def _image(client: Client, url: str) -> Image.Image:
    response = client.get(url)
    response.raise_for_status()
    return Image.open(io.BytesIO(response.content))


def rate_all(client: Client, token: str, profile: RaterProfile, seed: int) -> int:
    """Answer every task of one rater through the JSON API; returns the number answered."""
    rng = np.random.default_rng(seed)
    answered = 0
    while True:
        state = client.get(f"/api/r/{token}/next").json()
        task = state["task"]
        if task is None:
            return answered
        response_ms = int(rng.lognormal(math.log(4000), 0.4))
        if task["kind"] == "likert":
            criteria = [criterion["id"] for criterion in task["criteria"]]
            truth = latent_scores(_image(client, task["image"]), task["prompt"], criteria)
            body: dict[str, Any] = {
                "scores": {c: _score(v, profile, rng) for c, v in truth.items()},
                "response_ms": response_ms,
            }
        else:
            left = latent_scores(
                _image(client, task["left"]),
                task["prompt"],
                ["prompt_alignment", "visual_quality", "aesthetics"],
            )
            right = latent_scores(
                _image(client, task["right"]),
                task["prompt"],
                ["prompt_alignment", "visual_quality", "aesthetics"],
            )
            if profile.careless:
                choice = str(rng.choice(["left", "right", "tie"]))
            else:
                margin = np.mean(list(left.values())) - np.mean(list(right.values()))
                margin += rng.normal(0, profile.noise)
                choice = "tie" if abs(margin) < 0.25 else ("left" if margin > 0 else "right")
            body = {"choice": choice, "response_ms": response_ms}
        response = client.post(f"/api/r/{token}/tasks/{task['position']}", json=body)
        response.raise_for_status()
        answered += 1
