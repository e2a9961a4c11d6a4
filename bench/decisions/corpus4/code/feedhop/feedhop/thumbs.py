"""Entry thumbnails: the first image of an entry (or its media:thumbnail), fetched once,
scaled down and stored as JPEG next to the database, so digests and the web page load fast."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

THUMB_WIDTH = 320
JPEG_QUALITY = 80
MAX_SOURCE_BYTES = 8 * 1024 * 1024
THUMB_DIR = Path("var/thumbs")


@dataclass
class Thumb:
    path: Path
    width: int
    height: int


def thumb_name(image_url: str) -> str:
    return hashlib.sha1(image_url.encode("utf-8")).hexdigest()[:20] + ".jpg"


def scaled_size(width: int, height: int, target: int = THUMB_WIDTH) -> tuple[int, int]:
    """Width `target`, height in proportion; images narrower than the target are not enlarged."""
    if width <= target:
        return width, height
    return target, max(1, round(height * target / width))


def make_thumb(image_url: str, data: bytes, out_dir: Path = THUMB_DIR) -> Thumb | None:
    if len(data) > MAX_SOURCE_BYTES:
        return None
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception:
        return None
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    size = scaled_size(*img.size)
    img = img.resize(size, Image.LANCZOS)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / thumb_name(image_url)
    img.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Thumb(path=path, width=size[0], height=size[1])


def srcset(thumb: Thumb) -> str:
    return f"{thumb.path.name} {thumb.width}w"
