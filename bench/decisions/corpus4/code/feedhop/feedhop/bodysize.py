"""Reading a feed response's body: a size cap so one runaway feed cannot eat the poller's memory,
and the decompression-bomb guard for gzip bodies we inflate ourselves."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

MAX_FEED_BYTES = 1 * 1024 * 1024
MAX_INFLATE_RATIO = 100
CHUNK = 64 * 1024


class FeedTooLarge(Exception):
    """The body is over MAX_FEED_BYTES; the poller records it as the feed's last error."""

    def __init__(self, size: int | None):
        self.size = size
        super().__init__(f"feed body exceeds size limit ({MAX_FEED_BYTES} bytes)")


def declared_length(content_length: str | None) -> int | None:
    if content_length is None:
        return None
    try:
        n = int(content_length.strip())
    except ValueError:
        return None
    return n if n >= 0 else None


def read_body(chunks: Iterable[bytes], content_length: str | None = None) -> bytes:
    """Collect the body from the response's chunks, up to MAX_FEED_BYTES."""
    buf = bytearray()
    for chunk in chunks:
        room = MAX_FEED_BYTES - len(buf)
        if len(chunk) >= room:
            buf.extend(chunk[:room])
            break
        buf.extend(chunk)
    return bytes(buf)


def inflate(data: bytes) -> bytes:
    """Gunzip a body some servers send gzipped without Content-Encoding, with a ratio guard."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, len(data) * MAX_INFLATE_RATIO)
    if d.unconsumed_tail:
        raise ValueError("gzip body inflates more than the allowed ratio")
    return out


def looks_gzipped(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"


def human(n: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"
