"""Turning a feed document into entries (RSS 2.0 and Atom 1.0, via feedparser)."""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_tz
from typing import Any

import feedparser

ATOM_DATE_FIELDS = ("published", "updated", "created")


@dataclass
class Entry:
    guid: str | None
    link: str | None
    title: str
    summary_html: str
    published: datetime
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


class FeedParseError(ValueError):
    pass


def parse_date(raw: str | None, fetched_at: datetime) -> datetime:
    """The entry's timestamp as an aware datetime."""
    if not raw:
        return datetime.fromtimestamp(0, tz=timezone.utc)
    parsed = parsedate_tz(raw)
    if parsed is not None:
        offset = parsed[9]
        stamp = calendar.timegm(parsed[:9]) - (offset or 0)
        return datetime.fromtimestamp(stamp, tz=timezone.utc)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return datetime.fromtimestamp(0, tz=timezone.utc)
    if value.tzinfo is None:
        value = value.astimezone()  # naive: read in the server's zone
    return value.astimezone(timezone.utc)


def _first_date(item: Any) -> str | None:
    for name in ATOM_DATE_FIELDS:
        value = item.get(name)
        if value:
            return value
    return item.get("pubDate")


def parse_entries(body: bytes, fetched_at: datetime) -> list[Entry]:
    doc = feedparser.parse(body)
    if doc.bozo and not doc.entries:
        raise FeedParseError(str(doc.bozo_exception))
    entries: list[Entry] = []
    for item in doc.entries:
        entries.append(Entry(
            guid=item.get("id") or None,
            link=item.get("link") or None,
            title=(item.get("title") or "").strip(),
            summary_html=item.get("summary") or "",
            published=parse_date(_first_date(item), fetched_at),
            authors=[a.get("name", "") for a in item.get("authors", []) if a.get("name")],
            tags=[t.get("term", "") for t in item.get("tags", []) if t.get("term")],
        ))
    return entries


def feed_title(body: bytes) -> str:
    doc = feedparser.parse(body)
    return (doc.feed.get("title") or "").strip() or "(untitled feed)"
