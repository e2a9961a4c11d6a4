import time
from datetime import datetime, timezone

from feedhop.parse import parse_date, parse_entries

FETCHED = datetime(2026, 11, 3, 10, 15, tzinfo=timezone.utc)

RSS_NO_DATE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title>Release 4.2</title><link>https://proj.example/r/4.2</link><guid>r-4.2</guid></item>
</channel></rss>"""


def test_rfc822_with_offset():
    assert parse_date("Tue, 03 Nov 2026 09:00:00 +0100", FETCHED) == datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc)


def test_naive_iso_timestamp_is_utc(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")  # the production servers' zone
    time.tzset()
    assert parse_date("2026-11-03T09:00:00", FETCHED) == datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)


def test_entry_without_date_gets_fetch_time():
    [entry] = parse_entries(RSS_NO_DATE, FETCHED)
    assert entry.published == FETCHED


def test_garbage_date_gets_fetch_time():
    assert parse_date("sometime last week", FETCHED) == FETCHED
