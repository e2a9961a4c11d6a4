from datetime import datetime, timedelta, timezone

from feedhop.store import EntryStore

NOW = datetime(2026, 11, 5, tzinfo=timezone.utc)


def test_prune_keeps_recent_and_starred(tmp_path):
    store = EntryStore(tmp_path / "t.db")
    feed = store.add_feed("https://blog.example/feed.xml")
    store.insert_entry("a", feed, "old", None, "", NOW - timedelta(days=200))
    store.insert_entry("b", feed, "old starred", None, "", NOW - timedelta(days=200))
    store.insert_entry("c", feed, "new", None, "", NOW - timedelta(days=10))
    store.mark("b", starred=True)
    assert store.prune_old(NOW) == 1
    keys = {r["key"] for r in store.db.execute("SELECT key FROM entries")}
    assert keys == {"b", "c"}
