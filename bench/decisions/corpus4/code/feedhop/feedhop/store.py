"""SQLite storage of feeds and entries."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

RETENTION_DAYS = 90

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL UNIQUE,
  title TEXT,
  etag TEXT,
  last_modified TEXT,
  last_success TEXT,
  failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS entries (
  key TEXT PRIMARY KEY,
  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  link TEXT,
  summary_html TEXT NOT NULL,
  published TEXT NOT NULL,
  read INTEGER NOT NULL DEFAULT 0,
  starred INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS entries_published ON entries(published);
"""


class EntryStore:
    def __init__(self, path: str | Path) -> None:
        self.db = sqlite3.connect(str(path))
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.executescript(SCHEMA)

    def add_feed(self, url: str, title: str | None = None) -> int:
        cur = self.db.execute("INSERT OR IGNORE INTO feeds(url, title) VALUES (?, ?)", (url, title))
        self.db.commit()
        if cur.lastrowid:
            return cur.lastrowid
        return self.db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()["id"]

    def known_keys(self, feed_id: int) -> set[str]:
        rows = self.db.execute("SELECT key FROM entries WHERE feed_id = ?", (feed_id,))
        return {r["key"] for r in rows}

    def insert_entry(self, key: str, feed_id: int, title: str, link: str | None,
                     summary_html: str, published: datetime) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO entries(key, feed_id, title, link, summary_html, published)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (key, feed_id, title, link, summary_html, published.isoformat()),
        )

    def mark(self, key: str, *, read: bool | None = None, starred: bool | None = None) -> None:
        if read is not None:
            self.db.execute("UPDATE entries SET read = ? WHERE key = ?", (int(read), key))
        if starred is not None:
            self.db.execute("UPDATE entries SET starred = ? WHERE key = ?", (int(starred), key))
        self.db.commit()

    def prune_old(self, now: datetime | None = None) -> int:
        """Delete entries older than RETENTION_DAYS; returns how many went."""
        now = now or datetime.now(timezone.utc)
        cutoff = (now - timedelta(days=RETENTION_DAYS)).isoformat()
        cur = self.db.execute("DELETE FROM entries WHERE published < ?", (cutoff,))
        self.db.commit()
        return cur.rowcount

    def unread_count(self, feed_id: int | None = None) -> int:
        if feed_id is None:
            return self.db.execute("SELECT COUNT(*) FROM entries WHERE read = 0").fetchone()[0]
        return self.db.execute(
            "SELECT COUNT(*) FROM entries WHERE read = 0 AND feed_id = ?", (feed_id,)
        ).fetchone()[0]

    def close(self) -> None:
        self.db.close()
