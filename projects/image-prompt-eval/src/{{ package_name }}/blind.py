"""Blinded image bytes: every image served is encoded alike, equally long, never twice alike.

A rater's browser sees each image's bytes and headers. Whatever there differs by
system lets a curious rater tell the systems apart: PNG text chunks or EXIF a
pipeline left behind, colour mode, bit depth, pixel size, encoder settings, or just
the file size of a sharper model's output. And whatever stays the same between two
serves of one image gives the attention checks away: a repeated item, a gold item
and a Likert image shown again in an A/B pair would be byte-identical files with one
hash. So the app never serves the generated file, nor any fixed copy of it.

Each image is decoded once into a canonical copy (RGB at the study's size, no
metadata), and every serve encodes that copy afresh (`encode_variant`): each row gets a
random one of PNG's four filters, which decode to exactly the same pixels but change
the filtered bytes, so the compressed stream differs from its first bytes on, not in a
few places. A private ancillary chunk pads the file to one length shared by every
image of the study. The pixels stay exactly the canonical ones: even a one-level
nudge, invisible to people, changes pixel statistics that software reads (a two-tone
ink drawing would gain colours), so what a rater sees is the same at every serve.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import struct
import threading
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import EvalError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ancillary (lowercase 1st letter), private (2nd), reserved bit clear (3rd), safe to
# copy (4th): every PNG decoder skips it, browsers included.
PADDING_CHUNK = b"paDd"
_CHUNK_OVERHEAD = 12  # length, type and CRC around the data
# Room above the largest variant measured when the app starts: per-serve variants of
# one image differ in length by well under 1%.
_HEADROOM = 1.05
_HEADROOM_BYTES = 1024
_ATTEMPTS = 16
# Bump when the canonical copy changes, so cached copies made the old way are not reused.
_ENCODING_VERSION = b"1"


class VariantTooLongError(EvalError):
    """No fresh encoding of an image fitted the study's padded length (never seen in practice)."""


def canonical_png(source: Path, size: int) -> bytes:
    """The image at `source` as RGB, fitted into `size` x `size`, re-encoded without metadata."""
    image: Image.Image
    try:
        with Image.open(source) as opened:
            opened.load()
            image = opened
    except (OSError, Image.DecompressionBombError) as exc:
        raise EvalError(f"cannot read image {source}: {exc}") from exc
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    image = image.convert("RGB")
    if max(image.size) != size:
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        if max(image.size) < size:
            scale = size / max(image.size)
            target = (round(image.width * scale), round(image.height * scale))
            image = image.resize(target, Image.Resampling.LANCZOS)
    # A fresh image carries no `info`, so no ICC profile, EXIF or text is written.
    clean = Image.frombytes("RGB", image.size, image.tobytes())
    buffer = io.BytesIO()
    clean.save(buffer, format="PNG", compress_level=6, optimize=False)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def filter_rows(pixels: np.ndarray, rng: np.random.Generator) -> bytes:
    """PNG scanlines of `pixels` (H x W x 3), each row with a random filter of the four.

    Sub, Up, Average and Paeth all decode to the same pixels and compress about as well;
    choosing among them per row per serve changes the filtered bytes of every row.
    """
    height, width, channels = pixels.shape
    x = pixels.reshape(height, width * channels).astype(np.int16)
    left = np.zeros_like(x)
    left[:, channels:] = x[:, :-channels]
    up = np.zeros_like(x)
    up[1:] = x[:-1]
    choice = rng.integers(1, 5, size=height)
    out = np.empty((height, width * channels + 1), dtype=np.uint8)
    out[:, 0] = choice
    for kind in range(1, 5):
        rows = choice == kind
        if not rows.any():
            continue
        if kind == 1:
            predictor = left[rows]
        elif kind == 2:
            predictor = up[rows]
        elif kind == 3:
            predictor = (left[rows] + up[rows]) >> 1
        else:
            a, b = left[rows], up[rows]
            c = np.zeros_like(x)
            c[1:, channels:] = x[:-1, :-channels]
            c = c[rows]
            p = a + b - c
            pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
            predictor = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        out[rows, 1:] = ((x[rows] - predictor) & 0xFF).astype(np.uint8)
    return out.tobytes()


def encode_variant(pixels: np.ndarray, rng: np.random.Generator) -> bytes:
    """A PNG of exactly `pixels` (H x W x 3 uint8) whose bytes no other call returns, unpadded."""
    height, width, _ = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    scanlines = filter_rows(pixels, rng)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(scanlines, 6))
        + _chunk(b"IEND", b"")
    )


def pad_png(png: bytes, length: int) -> bytes:
    """`png` with a padding chunk before IEND, so the whole file is `length` bytes long."""
    iend = _chunk(b"IEND", b"")
    if not png.endswith(iend):
        raise ValueError("not a PNG of this module: it does not end with IEND")
    data_length = length - len(png) - _CHUNK_OVERHEAD
    if data_length < 0:
        raise ValueError(f"cannot pad {len(png)} bytes down to {length}")
    return png[: -len(iend)] + _chunk(PADDING_CHUNK, bytes(data_length)) + iend


def _pixels(copy: Path) -> np.ndarray:
    with Image.open(copy) as image:
        return np.asarray(image.convert("RGB"))


@dataclass(frozen=True)
class BlindedImages:
    """Canonical copies of a study's images on disk, and the one length they are served at."""

    paths: Mapping[str, Path]
    length: int

    @classmethod
    def prepare(cls, images: Mapping[str, Path], size: int, cache: Path) -> BlindedImages:
        """Make every canonical copy once (cached by content, so a restart is quick).

        The cache file is named by a hash of the source bytes and the size, so a
        regenerated image gets a fresh copy and an unchanged one is reused. Beside it
        goes the length of one served variant, which sets the study's padded length.
        """
        cache.mkdir(parents=True, exist_ok=True)

        def ensure(source: Path) -> tuple[Path, int]:
            try:
                content = source.read_bytes()
            except OSError as exc:
                raise EvalError(f"cannot read image {source}: {exc.strerror}") from exc
            digest = hashlib.sha256(_ENCODING_VERSION + str(size).encode() + b"/" + content)
            copy = cache / f"{digest.hexdigest()}.png"
            measured = copy.with_suffix(".len")
            if not copy.is_file():
                partial = copy.with_name(f"{copy.stem}.{threading.get_ident()}.part")
                partial.write_bytes(canonical_png(source, size))
                partial.replace(copy)
            try:
                return copy, int(measured.read_text(encoding="ascii"))
            except (OSError, ValueError):
                variant = len(encode_variant(_pixels(copy), np.random.default_rng()))
                partial = measured.with_name(f"{copy.stem}.{threading.get_ident()}.part")
                partial.write_text(str(variant), encoding="ascii")
                partial.replace(measured)
                return copy, variant

        # Pillow's codecs, zlib and NumPy release the GIL: threads use every core.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            prepared = list(pool.map(ensure, images.values()))
        paths = dict(zip(images, (copy for copy, _ in prepared), strict=True))
        longest = max((variant for _, variant in prepared), default=0)
        length = int(longest * _HEADROOM) + _HEADROOM_BYTES + _CHUNK_OVERHEAD
        return cls(paths=paths, length=length)

    def read(self, item_id: str) -> bytes:
        """Fresh bytes for one serve of `item_id`: a new variant, padded to `length`."""
        pixels = _pixels(self.paths[item_id])
        rng = np.random.default_rng(secrets.randbits(128))
        for _ in range(_ATTEMPTS):
            variant = encode_variant(pixels, rng)
            if len(variant) + _CHUNK_OVERHEAD <= self.length:
                return pad_png(variant, self.length)
        raise VariantTooLongError(
            f"no encoding of {item_id} fits {self.length} bytes: delete the study's "
            "blinded/ folder and restart `serve`"
        )
