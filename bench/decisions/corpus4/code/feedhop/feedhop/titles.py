"""Entry titles as the reading list and the digests show them: one line of plain text, whatever
the feed put in its <title> (RSS) or atom:title (with its type attribute)."""

from __future__ import annotations

import re

TITLE_MAX = 300
_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&#?\w+;")
_SPACE = re.compile(r"\s+")
UNTITLED = "(untitled)"


def clean_title(raw: str | None, title_type: str = "text") -> str:
    """Plain one-line text for a title; title_type is the Atom type attribute ('text' for RSS)."""
    if not raw:
        return UNTITLED
    text = _TAG.sub("", raw)
    text = _ENTITY.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    return shorten(text) or UNTITLED


def shorten(text: str, limit: int = TITLE_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + "…"


def title_from_summary(summary: str, words: int = 12) -> str:
    """Entries without a title (microblogs) get the first words of their summary."""
    plain = _SPACE.sub(" ", _TAG.sub(" ", summary)).strip()
    parts = plain.split(" ")
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def same_title(a: str, b: str) -> bool:
    return _SPACE.sub(" ", a).strip().casefold() == _SPACE.sub(" ", b).strip().casefold()


def with_feed_name(title: str, feed_name: str, aggregated: bool) -> str:
    """Planet-style feeds (many blogs in one) get 'Blog name: title' in the digest."""
    if not aggregated or title.lower().startswith(feed_name.lower()):
        return title
    return f"{feed_name}: {title}"


_NUMBERING = re.compile(r"^\s*(?:#\d+|\d+[.)])\s+")


def without_numbering(title: str) -> str:
    """'#312 Weekly links' -> 'Weekly links' (for sorting episode lists by name)."""
    return _NUMBERING.sub("", title, count=1)
