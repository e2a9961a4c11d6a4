"""Full-text search over stored entries (SQLite FTS5): the search box on the reading page and
`feedhop search` both go through here."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

FTS_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(
    title, summary, content='entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
"""
DEFAULT_LIMIT = 30
SNIPPET_TOKENS = 12


@dataclass
class SearchHit:
    entry_id: int
    feed_title: str
    title: str
    snippet: str
    rank: float


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_query(text: str) -> str:
    """Turns what the user typed into an FTS5 MATCH expression ('' for an empty box)."""
    words = [w for w in text.split() if w.strip('"')]
    return " ".join(_quote(w) for w in words)


def ensure_index(db: sqlite3.Connection) -> None:
    db.executescript(FTS_SCHEMA)


def rebuild_index(db: sqlite3.Connection) -> None:
    """Takes the write lock for the whole run; cron calls it at 03:00."""
    db.execute("INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')")
    db.commit()


def search(db: sqlite3.Connection, text: str, limit: int = DEFAULT_LIMIT, feed_id: int | None = None) -> list[SearchHit]:
    expr = fts_query(text)
    if not expr:
        return []
    sql = (
        "SELECT e.id, f.title, e.title, snippet(entries_fts, 1, '<b>', '</b>', '…', ?), bm25(entries_fts) AS r "
        "FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid JOIN feeds f ON f.id = e.feed_id "
        "WHERE entries_fts MATCH ?"
    )
    args: list[object] = [SNIPPET_TOKENS, expr]
    if feed_id is not None:
        sql += " AND e.feed_id = ?"
        args.append(feed_id)
    sql += " ORDER BY r LIMIT ?"
    args.append(min(limit, 200))
    return [SearchHit(*row) for row in db.execute(sql, args)]


def suggest_feeds(db: sqlite3.Connection, prefix: str, limit: int = 8) -> list[str]:
    """Feed titles for the filter dropdown; plain LIKE, the feeds table is small."""
    like = prefix.replace("%", r"\%").replace("_", r"\_") + "%"
    rows = db.execute("SELECT title FROM feeds WHERE title LIKE ? ESCAPE '\\' ORDER BY title LIMIT ?", (like, limit))
    return [r[0] for r in rows]
