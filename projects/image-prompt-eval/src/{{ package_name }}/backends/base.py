"""The one interface every image backend implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from PIL import Image


@dataclass(frozen=True)
class GeneratedImage:
    """An image and the parameters that produced it (stored in the manifest)."""

    image: Image.Image
    parameters: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """Draws one image for a prompt and seed.

    Implementations load their model once in `__init__` and keep `generate` free of
    side effects other than the image, so the runner can retry or resume freely.
    """

    model: str

    def generate(self, prompt: str, seed: int, size: int) -> GeneratedImage: ...
