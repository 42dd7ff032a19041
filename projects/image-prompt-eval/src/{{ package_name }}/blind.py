"""Blinded image bytes: every image a rater receives is encoded alike and is equally long.

A rater's browser sees each image's bytes and headers. Whatever there differs by
system lets a curious rater tell the systems apart: PNG text chunks or EXIF a
pipeline left behind, colour mode, bit depth, pixel size, encoder settings, or just
the file size of a sharper model's output. So the app never serves the generated
file itself. It serves a canonical copy: decoded, flattened to RGB at the study's
size, re-encoded with one encoder setting and no metadata, then padded with a
private ancillary chunk up to one length shared by every image of the study.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import threading
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .errors import EvalError

# Ancillary (lowercase 1st letter), private (2nd), reserved bit clear (3rd), safe to
# copy (4th): every PNG decoder skips it, browsers included.
PADDING_CHUNK = b"paDd"
_CHUNK_OVERHEAD = 12  # length, type and CRC around the data
_IEND = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
# Bump when the encoding changes, so cached copies made the old way are not reused.
_ENCODING_VERSION = b"1"


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


def pad_png(png: bytes, length: int) -> bytes:
    """`png` with a padding chunk before IEND, so the whole file is `length` bytes long."""
    if not png.endswith(_IEND):
        raise ValueError("not a PNG written by canonical_png: it does not end with IEND")
    data_length = length - len(png) - _CHUNK_OVERHEAD
    if data_length < 0:
        raise ValueError(f"cannot pad {len(png)} bytes down to {length}")
    data = bytes(data_length)
    chunk = (
        struct.pack(">I", data_length)
        + PADDING_CHUNK
        + data
        + struct.pack(">I", zlib.crc32(PADDING_CHUNK + data))
    )
    return png[: -len(_IEND)] + chunk + _IEND


@dataclass(frozen=True)
class BlindedImages:
    """Canonical copies of a study's images on disk, and the one length they are served at."""

    paths: Mapping[str, Path]
    length: int

    @classmethod
    def prepare(cls, images: Mapping[str, Path], size: int, cache: Path) -> BlindedImages:
        """Encode every image once (cached by content, so a restart is quick).

        The cache file is named by a hash of the source bytes and the size, so a
        regenerated image gets a fresh copy and an unchanged one is reused.
        """
        cache.mkdir(parents=True, exist_ok=True)

        def ensure(source: Path) -> Path:
            try:
                content = source.read_bytes()
            except OSError as exc:
                raise EvalError(f"cannot read image {source}: {exc.strerror}") from exc
            digest = hashlib.sha256(_ENCODING_VERSION + str(size).encode() + b"/" + content)
            copy = cache / f"{digest.hexdigest()}.png"
            if not copy.is_file():
                partial = copy.with_name(f"{copy.stem}.{threading.get_ident()}.part")
                partial.write_bytes(canonical_png(source, size))
                partial.replace(copy)
            return copy

        # Pillow's decoder and zlib release the GIL: threads use every core.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            copies = list(pool.map(ensure, images.values()))
        paths = dict(zip(images, copies, strict=True))
        longest = max((copy.stat().st_size for copy in copies), default=0)
        return cls(paths=paths, length=longest + _CHUNK_OVERHEAD)

    def read(self, item_id: str) -> bytes:
        """The bytes a rater receives for `item_id`: canonical and padded to `length`."""
        return pad_png(self.paths[item_id].read_bytes(), self.length)
