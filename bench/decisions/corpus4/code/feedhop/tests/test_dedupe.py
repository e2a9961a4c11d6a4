from datetime import datetime, timezone

from feedhop.dedupe import entry_key, new_entries
from feedhop.parse import Entry

T = datetime(2026, 11, 1, tzinfo=timezone.utc)


def entry(title, link, guid=None):
    return Entry(guid=guid, link=link, title=title, summary_html="", published=T)


def test_edited_title_keeps_key():
    a = entry("Relase notes 3.1", "https://blog.example/p/31", guid="tag:blog.example,2026:31")
    b = entry("Release notes 3.1", "https://blog.example/p/31", guid="tag:blog.example,2026:31")
    assert entry_key(5, a) == entry_key(5, b)


def test_scheme_change_with_same_guid_is_not_new():
    old = entry("Post", "http://blog.example/p/1", guid="p-1")
    moved = entry("Post", "https://blog.example/p/1", guid="p-1")
    known = {entry_key(5, old)}
    assert new_entries(5, [moved], known) == []


def test_no_guid_falls_back_to_link_not_title():
    a = entry("Draft title", "https://blog.example/p/2?utm_source=rss")
    b = entry("Final title", "https://blog.example/p/2")
    assert entry_key(5, a) == entry_key(5, b)
