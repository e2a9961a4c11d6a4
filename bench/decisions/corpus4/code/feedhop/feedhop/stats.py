"""Numbers for the admin page: entries per day, slowest feeds, error rates."""
from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


@dataclass
class FeedHealth:
    feed_id: int
    url: str
    failures: int
    last_success: datetime | None

    @property
    def stale(self) -> bool:
        if self.last_success is None:
            return True
        return datetime.now(timezone.utc) - self.last_success > timedelta(days=3)


def entries_per_day(db: sqlite3.Connection, days: int = 30) -> list[tuple[str, int]]:
    since = (datetime.now(timezone.utc) - timedelta(days=days)).date().isoformat()
    rows = db.execute(
        "SELECT substr(published, 1, 10) AS day, COUNT(*) FROM entries WHERE published >= ?"
        " GROUP BY day ORDER BY day",
        (since,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def feed_health(db: sqlite3.Connection) -> list[FeedHealth]:
    rows = db.execute("SELECT id, url, failures, last_success FROM feeds ORDER BY failures DESC, url")
    out: list[FeedHealth] = []
    for r in rows:
        last = datetime.fromisoformat(r[3]) if r[3] else None
        out.append(FeedHealth(feed_id=r[0], url=r[1], failures=r[2], last_success=last))
    return out


def busiest_feeds(db: sqlite3.Connection, limit: int = 10) -> list[tuple[str, int]]:
    rows = db.execute(
        "SELECT feeds.url, COUNT(entries.key) AS n FROM feeds JOIN entries ON entries.feed_id = feeds.id"
        " GROUP BY feeds.id ORDER BY n DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def tag_cloud(tags: list[list[str]], top: int = 30) -> list[tuple[str, int]]:
    counts = Counter(t.lower() for group in tags for t in group)
    return counts.most_common(top)


def percent(part: int, whole: int) -> str:
    if whole == 0:
        return "0%"
    return f"{100 * part / whole:.1f}%"
