"""Turning a fetched feed body (bytes) into text before it goes to the parser: which encoding
the bytes are in, and what we tell the parser about it."""

from __future__ import annotations

import codecs
import logging
import re

log = logging.getLogger(__name__)

FALLBACK_ENCODING = "utf-8"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# names servers send that Python does not know, or knows under another name
ALIASES = {"utf8": "utf-8", "win-1251": "cp1251", "x-cp1251": "cp1251", "unicode": "utf-16"}


def canonical(name: str | None) -> str | None:
    """Python's name for an encoding label, or None if it is unknown."""
    if not name:
        return None
    label = ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def bom_encoding(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CHARSET.search(content_type)
    return canonical(m.group(1)) if m else None


def declared_encoding(body: bytes) -> str | None:
    m = _XML_DECL.match(body[:200])
    return canonical(m.group(1).decode("ascii")) if m else None


def pick_encoding(body: bytes, content_type: str | None) -> str:
    """The encoding to decode `body` with."""
    declared = declared_encoding(body)
    sent = header_charset(content_type)
    if declared and sent and declared != sent:
        log.info("charset disagreement: header %s, document %s", sent, declared)
    return bom_encoding(body) or declared or sent or FALLBACK_ENCODING


def decode_body(body: bytes, content_type: str | None) -> str:
    encoding = pick_encoding(body, content_type)
    text = body.decode(encoding, errors="replace")
    return text.lstrip("\ufeff")


def is_probably_html(text: str) -> bool:
    """A 'feed' URL that serves an HTML page (a login wall, a parked domain)."""
    head = text[:512].lower()
    return "<html" in head and "<rss" not in head and "<feed" not in head
