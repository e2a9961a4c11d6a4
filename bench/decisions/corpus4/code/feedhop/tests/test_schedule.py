from datetime import datetime, timezone

from feedhop.schedule import PollQueue, poll_interval_for


def test_default_interval():
    assert poll_interval_for(None, None, 0) == 60


def test_ttl_of_one_minute_is_not_obeyed_literally():
    # fosstodon-style instances publish <ttl>1</ttl>
    assert poll_interval_for(1, None, 0) == 15


def test_cache_control_max_age_30s():
    assert poll_interval_for(None, "public, max-age=30", 0) == 15


def test_queue_pops_due_feeds():
    q = PollQueue()
    now = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)
    q.reschedule(1, 0, now)
    q.reschedule(2, 30, now)
    assert q.pop_due(now) == [1]
    assert len(q) == 1
