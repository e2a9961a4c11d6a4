"""Recognising an entry we already stored, across polls and feed edits."""
from __future__ import annotations

import hashlib
from typing import Iterable

from feedhop.parse import Entry
from feedhop.urls import normalize_url


def entry_key(feed_id: int, entry: Entry) -> str:
    """Stable key of an entry within its feed."""
    basis = f"{entry.title.strip().lower()}|{entry.link or ''}"
    digest = hashlib.sha1(basis.encode("utf-8")).hexdigest()
    return f"{feed_id}:{digest}"


def new_entries(feed_id: int, entries: Iterable[Entry], known: set[str]) -> list[tuple[str, Entry]]:
    """Entries whose key is not in `known`, in feed order, without duplicates within the batch."""
    fresh: list[tuple[str, Entry]] = []
    seen: set[str] = set()
    for entry in entries:
        key = entry_key(feed_id, entry)
        if key in known or key in seen:
            continue
        seen.add(key)
        fresh.append((key, entry))
    return fresh


def cross_feed_duplicates(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    """Entries that several feeds carry (same normalized link), for the 'also in' badge."""
    by_link: dict[str, list[Entry]] = {}
    for entry in entries:
        if not entry.link:
            continue
        by_link.setdefault(normalize_url(entry.link), []).append(entry)
    return {link: group for link, group in by_link.items() if len(group) > 1}


def merge_tags(old: list[str], new: list[str]) -> list[str]:
    merged = list(old)
    for tag in new:
        if tag.lower() not in {t.lower() for t in merged}:
            merged.append(tag)
    return merged
