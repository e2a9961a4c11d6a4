from datetime import datetime, timedelta, timezone

from feedhop.failures import FeedState, record_failure, record_success

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


def test_gone_feed_is_disabled_on_the_first_410():
    feed = FeedState("https://rss.example.fr/decodeurs")
    record_failure(feed, 410, "Gone", T0)
    assert not feed.enabled


def test_an_afternoon_outage_does_not_disable_a_feed():
    feed = FeedState("https://blog.example.org/feed")
    for i in range(12):
        record_failure(feed, 503, "Service Unavailable", T0 + timedelta(minutes=15 * i))
    assert feed.enabled


def test_not_modified_resets_the_count():
    feed = FeedState("https://blog.example.org/feed")
    for i in range(5):
        record_failure(feed, 500, "oops", T0 + timedelta(minutes=15 * i))
    record_success(feed, 304, T0 + timedelta(hours=2))
    assert feed.consecutive_failures == 0
